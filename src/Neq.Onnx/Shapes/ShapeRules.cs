using System.Collections.Frozen;

namespace Neq.Onnx.Shapes;

/// <summary>A shape rule: sets a node's output types (and folded values) from its inputs.</summary>
internal delegate void ShapeRule(NodeContext c);

/// <summary>
/// One rule per operator of the default ONNX domain, grouped by family in the partial files
/// ShapeRules.*.cs. An operator missing here leaves its outputs unknown.
/// </summary>
internal static partial class ShapeRules
{
    public static readonly FrozenDictionary<string, ShapeRule> Table = new Dictionary<string, ShapeRule>(StringComparer.Ordinal)
    {
        // Elementwise, same type and shape (Clip's min/max, PRelu's slope and the like don't change it).
        ["Abs"] = Unary, ["Acos"] = Unary, ["Acosh"] = Unary, ["Asin"] = Unary, ["Asinh"] = Unary,
        ["Atan"] = Unary, ["Atanh"] = Unary, ["Ceil"] = Unary, ["Celu"] = Unary, ["Clip"] = Unary,
        ["Cos"] = Unary, ["Cosh"] = Unary, ["CumSum"] = Unary, ["Elu"] = Unary, ["Erf"] = Unary,
        ["Exp"] = Unary, ["Floor"] = Unary, ["Gelu"] = Unary, ["HardSigmoid"] = Unary, ["HardSwish"] = Unary,
        ["Hardmax"] = Unary, ["LeakyRelu"] = Unary, ["Log"] = Unary, ["LogSoftmax"] = Unary, ["Mish"] = Unary,
        ["Neg"] = Unary, ["PRelu"] = Unary, ["Reciprocal"] = Unary, ["Relu"] = Unary, ["Round"] = Unary,
        ["Selu"] = Unary, ["Shrink"] = Unary, ["Sigmoid"] = Unary, ["Sign"] = Unary, ["Sin"] = Unary,
        ["Sinh"] = Unary, ["Softmax"] = Unary, ["Softplus"] = Unary, ["Softsign"] = Unary, ["Sqrt"] = Unary,
        ["Tan"] = Unary, ["Tanh"] = Unary, ["ThresholdedRelu"] = Unary, ["Trilu"] = Unary,
        ["Scatter"] = Unary, ["ScatterElements"] = Unary, ["ScatterND"] = Unary, ["ReverseSequence"] = Unary,
        ["Not"] = UnaryBool, ["IsNaN"] = UnaryBool, ["IsInf"] = UnaryBool,
        ["Identity"] = Identity, ["Dropout"] = Dropout, ["Cast"] = Cast, ["CastLike"] = CastLike,
        ["QuantizeLinear"] = QuantizeLinear, ["DequantizeLinear"] = DequantizeLinear,

        // Broadcasting arithmetic; Add/Sub/Mul/Div also fold.
        ["Add"] = Arithmetic(DimMath.Add, (a, b) => a + b),
        ["Sub"] = Arithmetic(DimMath.Sub, (a, b) => a - b),
        ["Mul"] = Arithmetic(DimMath.Mul, (a, b) => a * b),
        ["Div"] = Arithmetic(DimMath.Div, (a, b) => a / b),
        ["Pow"] = Broadcasting, ["Mod"] = Broadcasting, ["BitShift"] = Broadcasting,
        ["Max"] = Broadcasting, ["Min"] = Broadcasting, ["Sum"] = Broadcasting, ["Mean"] = Broadcasting,
        ["Equal"] = Comparison, ["Less"] = Comparison, ["LessOrEqual"] = Comparison, ["Greater"] = Comparison,
        ["GreaterOrEqual"] = Comparison, ["And"] = Comparison, ["Or"] = Comparison, ["Xor"] = Comparison,
        ["Where"] = Where,

        // Convolution and pooling.
        ["Conv"] = Conv, ["ConvTranspose"] = ConvTranspose,
        ["MaxPool"] = Pool, ["AveragePool"] = Pool, ["LpPool"] = Pool,
        ["GlobalAveragePool"] = GlobalPool, ["GlobalMaxPool"] = GlobalPool, ["GlobalLpPool"] = GlobalPool,

        // Normalization.
        ["BatchNormalization"] = BatchNormalization, ["LayerNormalization"] = LayerNormalization,
        ["InstanceNormalization"] = Unary, ["GroupNormalization"] = Unary, ["LRN"] = Unary,
        ["MeanVarianceNormalization"] = Unary, ["LpNormalization"] = Unary,

        // Matrix products.
        ["Gemm"] = Gemm, ["MatMul"] = MatMul, ["MatMulInteger"] = MatMulInteger,

        // Shapes.
        ["Shape"] = Shape, ["Size"] = Size, ["Reshape"] = Reshape, ["Flatten"] = Flatten,
        ["Squeeze"] = Squeeze, ["Unsqueeze"] = Unsqueeze, ["Transpose"] = Transpose, ["Expand"] = Expand,
        ["Concat"] = Concat, ["Split"] = Split, ["Slice"] = Slice, ["Gather"] = Gather,
        ["GatherElements"] = GatherElements, ["GatherND"] = GatherND, ["Pad"] = Pad, ["Tile"] = Tile,

        // Generators.
        ["Constant"] = Constant, ["ConstantOfShape"] = ConstantOfShape, ["Range"] = Range,
        ["NonZero"] = NonZero, ["EyeLike"] = EyeLike,

        // Reductions.
        ["ReduceSum"] = Reduce(axesInputSince: 13),
        ["ReduceMean"] = Reduce(18), ["ReduceMax"] = Reduce(18), ["ReduceMin"] = Reduce(18),
        ["ReduceProd"] = Reduce(18), ["ReduceL1"] = Reduce(18), ["ReduceL2"] = Reduce(18),
        ["ReduceLogSum"] = Reduce(18), ["ReduceLogSumExp"] = Reduce(18), ["ReduceSumSquare"] = Reduce(18),
        ["ArgMax"] = ArgReduce, ["ArgMin"] = ArgReduce, ["TopK"] = TopK,

        // Resampling.
        ["Resize"] = Resize, ["Upsample"] = Upsample, ["DepthToSpace"] = DepthToSpace, ["SpaceToDepth"] = SpaceToDepth,

        // Losses.
        ["SoftmaxCrossEntropyLoss"] = Loss, ["NegativeLogLikelihoodLoss"] = Loss,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Rules for the project's own operators (domain <see cref="Graphs.NeqDomain.Name"/>): each
    /// operator's file in src/Neq.Onnx/Operators holds its rule.
    /// </summary>
    public static readonly FrozenDictionary<string, ShapeRule> NeqTable = Operators.ProjectOperators.All
        .Where(o => o.Shape is not null)
        .ToFrozenDictionary(o => o.OpType, o => o.Shape!, StringComparer.Ordinal);
}
