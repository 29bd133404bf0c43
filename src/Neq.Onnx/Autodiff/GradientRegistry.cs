using Neq.Onnx.Autodiff.Rules;
using Neq.Onnx.Graphs;
using Neq.Onnx.Neurons;

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

        // ---- elementwise (Rules/ElementwiseRules.cs) ----
        ["Add"] = ElementwiseRules.Add,
        ["Sub"] = ElementwiseRules.Sub,
        ["Mul"] = ElementwiseRules.Mul,
        ["Div"] = ElementwiseRules.Div,
        ["Neg"] = ElementwiseRules.Neg,
        ["Identity"] = ElementwiseRules.Identity,

        // ---- activations (Rules/ActivationRules.cs) ----
        ["Relu"] = ActivationRules.Relu,

        // ---- convolution (Rules/ConvRules.cs) ----
        ["Conv"] = ConvRules.Conv,
        ["ConvTranspose"] = ConvRules.ConvTranspose,

        // ---- matrix products (Rules/MatMulRules.cs) ----
        ["MatMul"] = MatMulRules.MatMul,
        ["Gemm"] = MatMulRules.Gemm,

        // ---- NEq masks (Rules/MaskRules.cs) ----
        [$"{NeqDomain.Name}::{MaskGate.OpType}"] = MaskRules.MaskGate,
    };

    /// <summary>Registers (or replaces) a rule; <paramref name="rule"/> null marks "no gradient".</summary>
    public static void Register(string domain, string opType, GradientRule? rule) => Rules[Key(domain, opType)] = rule;

    /// <summary>
    /// Looks up <paramref name="domain"/>::<paramref name="opType"/>: true with the rule (null for
    /// "no gradient") when the table knows it, false when it does not.
    /// </summary>
    public static bool TryGet(string domain, string opType, out GradientRule? rule) =>
        Rules.TryGetValue(Key(domain, opType), out rule);

    static string Key(string domain, string opType) =>
        domain is "" or "ai.onnx" ? opType : $"{domain}::{opType}";
}
