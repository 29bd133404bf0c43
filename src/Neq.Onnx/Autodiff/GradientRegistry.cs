using Neq.Onnx.Autodiff.Rules;
using Neq.Onnx.Graphs;
using Neq.Onnx.Operators;

namespace Neq.Onnx.Autodiff;

/// <summary>
/// The one table of gradient rules, keyed by "domain::OpType" ("" is the default ONNX domain).
/// A null entry says the operator has no gradient by definition (shape queries, comparisons,
/// integer arithmetic): nothing flows back through it and that is not an error. An operator
/// absent from the table is an error only when it lies on a parameter→loss path.
/// </summary>
public static class GradientRegistry
{
    static readonly Dictionary<string, GradientRule?> Rules = new(StringComparer.Ordinal)
    {
        // ---- no gradient by definition ----
        ["Shape"] = null, ["Size"] = null, ["ConstantOfShape"] = null, ["Constant"] = null, ["Range"] = null,
        ["Equal"] = null, ["Less"] = null, ["LessOrEqual"] = null, ["Greater"] = null, ["GreaterOrEqual"] = null,
        ["Not"] = null, ["And"] = null, ["Or"] = null, ["Xor"] = null, ["IsNaN"] = null, ["IsInf"] = null,
        ["ArgMax"] = null, ["ArgMin"] = null, ["NonZero"] = null, ["OneHot"] = null, ["Floor"] = null,
        ["Ceil"] = null, ["Round"] = null, ["Sign"] = null, ["RandomNormal"] = null, ["RandomUniform"] = null,
        ["RandomNormalLike"] = null, ["RandomUniformLike"] = null, ["EyeLike"] = null,
        // added with the rules-a families: integer, bitwise and sampling operators; Hardmax is
        // piecewise constant (derivative 0 almost everywhere), like Floor and Sign
        ["Hardmax"] = null, ["BitShift"] = null, ["BitwiseAnd"] = null, ["BitwiseOr"] = null, ["BitwiseXor"] = null,
        ["BitwiseNot"] = null, ["Bernoulli"] = null, ["Multinomial"] = null, ["NonMaxSuppression"] = null,

        // ---- elementwise (Rules/ElementwiseRules.cs) ----
        ["Add"] = ElementwiseRules.Add,
        ["Sub"] = ElementwiseRules.Sub,
        ["Mul"] = ElementwiseRules.Mul,
        ["Div"] = ElementwiseRules.Div,
        ["Neg"] = ElementwiseRules.Neg,
        ["Identity"] = ElementwiseRules.Identity,
        ["Sum"] = ElementwiseRules.Sum,
        ["Mean"] = ElementwiseRules.Mean,
        ["Max"] = ElementwiseRules.Max,
        ["Min"] = ElementwiseRules.Min,
        ["Pow"] = ElementwiseRules.Pow,
        ["Sqrt"] = ElementwiseRules.Sqrt,
        ["Exp"] = ElementwiseRules.Exp,
        ["Log"] = ElementwiseRules.Log,
        ["Reciprocal"] = ElementwiseRules.Reciprocal,
        ["Abs"] = ElementwiseRules.Abs,
        ["Where"] = ElementwiseRules.Where,
        ["Cast"] = ElementwiseRules.Cast,
        ["CastLike"] = ElementwiseRules.Cast,
        ["Expand"] = ElementwiseRules.Expand,
        ["Tile"] = ElementwiseRules.Tile,

        // ---- activations (Rules/ActivationRules.cs) ----
        ["Relu"] = ActivationRules.Relu,
        ["LeakyRelu"] = ActivationRules.LeakyRelu,
        ["PRelu"] = ActivationRules.PRelu,
        ["Sigmoid"] = ActivationRules.Sigmoid,
        ["HardSigmoid"] = ActivationRules.HardSigmoid,
        ["HardSwish"] = ActivationRules.HardSwish,
        ["Tanh"] = ActivationRules.Tanh,
        ["Clip"] = ActivationRules.Clip,
        ["Elu"] = ActivationRules.Elu,
        ["Selu"] = ActivationRules.Selu,
        ["Softplus"] = ActivationRules.Softplus,
        ["Softsign"] = ActivationRules.Softsign,
        ["ThresholdedRelu"] = ActivationRules.ThresholdedRelu,
        ["Erf"] = ActivationRules.Erf,
        ["Gelu"] = ActivationRules.Gelu,
        ["Softmax"] = ActivationRules.Softmax,
        ["LogSoftmax"] = ActivationRules.LogSoftmax,
        ["Dropout"] = ActivationRules.Dropout,

        // ---- shape and data movement (Rules/DataMovementRules.cs) ----
        ["Reshape"] = DataMovementRules.ReshapeLike,
        ["Flatten"] = DataMovementRules.ReshapeLike,
        ["Squeeze"] = DataMovementRules.ReshapeLike,
        ["Unsqueeze"] = DataMovementRules.ReshapeLike,
        ["Transpose"] = DataMovementRules.Transpose,
        ["Concat"] = DataMovementRules.Concat,
        ["Split"] = DataMovementRules.Split,
        ["Slice"] = DataMovementRules.Slice,
        ["Pad"] = DataMovementRules.Pad,
        ["Gather"] = DataMovementRules.Gather,
        ["GatherElements"] = DataMovementRules.GatherElements,

        // ---- resampling (Rules/ResizeRules.cs) ----
        ["Resize"] = ResizeRules.Resize,

        // ---- reductions (Rules/ReductionRules.cs) ----
        ["ReduceSum"] = ReductionRules.ReduceSum,
        ["ReduceMean"] = ReductionRules.ReduceMean,
        ["ReduceMax"] = ReductionRules.ReduceMax,
        ["ReduceMin"] = ReductionRules.ReduceMin,
        ["ReduceL1"] = ReductionRules.ReduceL1,
        ["ReduceL2"] = ReductionRules.ReduceL2,
        ["ReduceSumSquare"] = ReductionRules.ReduceSumSquare,
        ["ReduceLogSum"] = ReductionRules.ReduceLogSum,
        ["ReduceLogSumExp"] = ReductionRules.ReduceLogSumExp,

        // ---- convolution (Rules/ConvRules.cs) ----
        ["Conv"] = ConvRules.Conv,
        ["ConvTranspose"] = ConvRules.ConvTranspose,

        // ---- pooling (Rules/PoolRules.cs) ----
        ["MaxPool"] = PoolRules.MaxPool,
        ["AveragePool"] = PoolRules.AveragePool,
        ["GlobalAveragePool"] = PoolRules.GlobalAveragePool,
        ["GlobalMaxPool"] = PoolRules.GlobalMaxPool,

        // ---- normalization (Rules/NormalizationRules.cs) ----
        ["BatchNormalization"] = NormalizationRules.BatchNormalization,

        // ---- losses (Rules/LossRules.cs) ----
        ["SoftmaxCrossEntropyLoss"] = LossRules.SoftmaxCrossEntropyLoss,
        ["NegativeLogLikelihoodLoss"] = LossRules.NegativeLogLikelihoodLoss,

        // ---- matrix products (Rules/MatMulRules.cs) ----
        ["MatMul"] = MatMulRules.MatMul,
        ["Gemm"] = MatMulRules.Gemm,
    };

    static GradientRegistry()
    {
        // ---- the project's operators (ai.neq): each file in Operators/ holds its rule ----
        foreach (var op in ProjectOperators.All) Register(NeqDomain.Name, op.OpType, op.Gradient);
    }

    /// <summary>Registers (or replaces) a rule; <paramref name="rule"/> null marks "no gradient".</summary>
    public static void Register(string domain, string opType, GradientRule? rule) => Rules[Key(domain, opType)] = rule;

    /// <summary>
    /// Looks up <paramref name="domain"/>::<paramref name="opType"/>: true with the rule (null for
    /// "no gradient") when the table knows it, false when it does not.
    /// </summary>
    public static bool TryGet(string domain, string opType, out GradientRule? rule) =>
        Rules.TryGetValue(Key(domain, opType), out rule);

    /// <summary>
    /// Every operator the table knows, with its rule (null: no gradient by definition), domain ""
    /// for ONNX's own.
    /// </summary>
    public static IEnumerable<(string Domain, string OpType, GradientRule? Rule)> Entries =>
        Rules.Select(kv => kv.Key.Split("::") is [var domain, var op] ? (domain, op, kv.Value) : ("", kv.Key, kv.Value));

    static string Key(string domain, string opType) =>
        OnnxDomain.IsOnnx(domain) ? opType : $"{domain}::{opType}";
}
