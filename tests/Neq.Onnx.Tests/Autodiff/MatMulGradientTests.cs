using Neq.Onnx.Graphs;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// MatMul and Gemm gradients against finite differences, float64 (ONNX Runtime's CPU MatMul and
/// Gemm have double kernels): tolerance 1e-6 with h = 1e-6.
/// </summary>
public sealed class MatMulGradientTests
{
    static GradCase MatMul(string name, long[] a, long[] b) =>
        new($"MatMul {name}", [("a", a), ("b", b)], g => g.Op("MatMul", ["a", "b"], output: "y"), ["a", "b"]);

    /// <summary>A Gemm row: A is [3, 4] (or [4, 3] with transA), B is [4, 2] (or [2, 4] with transB).</summary>
    static GradCase Gemm(bool transA, bool transB, long[]? c, float alpha = 1, float beta = 1, long opset = 17)
    {
        var inputs = new List<(string, long[])> { ("a", transA ? [4, 3] : [3, 4]), ("b", transB ? [2, 4] : [4, 2]) };
        if (c is not null) inputs.Add(("c", c));
        var names = inputs.Select(i => i.Item1).ToArray();
        return new GradCase(
            $"Gemm transA={transA} transB={transB} C={(c is null ? "none" : "[" + string.Join(",", c) + "]")} alpha={alpha} beta={beta} opset {opset}",
            inputs,
            g => g.Op("Gemm", names,
                [Attr.Int("transA", transA ? 1 : 0), Attr.Int("transB", transB ? 1 : 0), Attr.Float("alpha", alpha), Attr.Float("beta", beta)], output: "y"),
            names, Opset: opset);
    }

    public static TheoryData<GradCase> Rows() =>
    [
        MatMul("2-D", [3, 4], [4, 2]),
        MatMul("1-D · 2-D", [4], [4, 3]),
        MatMul("2-D · 1-D", [3, 4], [4]),
        MatMul("1-D · 1-D", [4], [4]),
        MatMul("1-D · batched", [4], [2, 4, 3]),
        MatMul("batched · 1-D", [2, 3, 4], [4]),
        MatMul("batched", [2, 3, 4], [2, 4, 5]),
        MatMul("batched · 2-D (B broadcast)", [2, 3, 4], [4, 5]),
        MatMul("2-D · batched (A broadcast)", [3, 4], [2, 4, 5]),
        MatMul("batch 1 vs 2 broadcast", [2, 1, 3, 4], [1, 3, 4, 2]),
        MatMul("rank 4 · rank 3", [2, 2, 3, 4], [2, 4, 3]),

        Gemm(false, false, [3, 2]),
        Gemm(true, false, [2], alpha: 0.5f, beta: 2f),
        Gemm(false, true, [3, 1], alpha: -1.5f),
        Gemm(true, true, [1, 2], beta: 0.25f),
        Gemm(true, true, [], alpha: 2f),
        Gemm(false, false, null),
        Gemm(true, false, [3, 2], alpha: 0.5f, opset: 9),
        Gemm(false, true, null, opset: 11),
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);
}
