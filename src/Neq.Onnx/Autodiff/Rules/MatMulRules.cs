using Neq.Onnx.Graphs;

namespace Neq.Onnx.Autodiff.Rules;

// Matrix products. Shape legend: A [a…, M, K], B [b…, K, N], Y and G [batch…, M, N] where batch
// is the broadcast of a… and b…; a 1-D A is a row [K] (its M axis is dropped from Y), a 1-D B a
// column [K] (its N axis is dropped). dA = G·Bᵀ and dB = Aᵀ·G, summed over the batch axes the
// operand was broadcast along (the engine's Unbroadcast, told the last two axes are the
// operand's own).

/// <summary>Gradient rules of MatMul and Gemm.</summary>
static class MatMulRules
{
    /// <summary>Y = A·B with NumPy matmul semantics (1-D operands, broadcast batch axes).</summary>
    public static Grad?[] MatMul(GradContext c)
    {
        string a = c.I(0), b = c.I(1), g = c.G;
        int ra = c.Rank(a), rb = c.Rank(b);
        if (ra == 1 && rb == 1) // dot product: Y and G are scalars
            return c.Result(() => c.Mul(g, b), () => c.Mul(g, a));
        if (ra == 1) // Y [b…, N] = A [K] · B [b…, K, N]; G as [b…, 1, N]
        {
            var g2 = c.Unsqueeze(g, rb - 2);
            return c.Result(
                () => c.ReduceSum(c.Op("MatMul", [g2, SwapLast(c, b, rb)]), [.. Axes(rb - 1)], keepDims: false), // [b…, 1, K] → [K]
                () => c.Op("MatMul", [c.Unsqueeze(a, 1), g2])); // [K, 1] · [b…, 1, N] = [b…, K, N]
        }
        if (rb == 1) // Y [a…, M] = A [a…, M, K] · B [K]; G as [a…, M, 1]
        {
            var g2 = c.Unsqueeze(g, ra - 1);
            return c.Result(
                () => c.Op("MatMul", [g2, c.Unsqueeze(b, 0)]), // [a…, M, 1] · [1, K] = [a…, M, K]
                () => c.ReduceSum(c.Op("MatMul", [SwapLast(c, a, ra), g2]), [.. Axes(ra - 2), ra - 1], keepDims: false)); // [a…, K, 1] → [K]
        }
        return c.Result(
            () => Grad.Unbroadcast(c.Op("MatMul", [g, SwapLast(c, b, rb)]), ownTrailingAxes: 2),
            () => Grad.Unbroadcast(c.Op("MatMul", [SwapLast(c, a, ra), g]), ownTrailingAxes: 2));
    }

    /// <summary>
    /// Y = α·A'·B' + β·C with A' = transA ? Aᵀ : A, B' likewise, C broadcast to [M, N].
    /// dA' = α·G·B'ᵀ and dB' = α·A'ᵀ·G, each written as one Gemm whose trans flags absorb the
    /// transposes (dA = dA'ᵀ when transA, dB = dB'ᵀ when transB); dC = β·G, reduced to C's shape.
    /// </summary>
    public static Grad?[] Gemm(GradContext c)
    {
        bool ta = c.Node.GetInt("transA", 0) != 0, tb = c.Node.GetInt("transB", 0) != 0;
        float alpha = c.Node.GetFloat("alpha", 1f), beta = c.Node.GetFloat("beta", 1f);
        string a = c.I(0), b = c.I(1), g = c.G;
        // When only B's output rows A are needed (axis 0 with transB, else 1: a known mask freezes
        // the others), dB[A] is the same product with G's columns A.
        int outAxis = tb ? 0 : 1;
        return c.Result(
            () => ta ? Product(c, b, g, tb, true, alpha) : Product(c, g, b, false, !tb, alpha),
            () => c.OnlyRows(1) is { } rows && rows.Axis == outAxis
                ? Grad.Rows(WeightGrad(c, c.GatherRows(g, 1, rows), a, ta, tb, alpha))
                : WeightGrad(c, g, a, ta, tb, alpha),
            () => Grad.Unbroadcast(beta == 1f ? g : c.Mul(g, c.ScalarLike(beta, c.O(0)))));
    }

    /// <summary>dB = α·A'ᵀ·G (transposed when transB), one Gemm.</summary>
    static string WeightGrad(GradContext c, string g, string a, bool ta, bool tb, float alpha) =>
        tb ? Product(c, g, a, true, ta, alpha) : Product(c, a, g, !ta, false, alpha);

    /// <summary>α·op(x)·op(y) as one Gemm (C omitted from opset 11; a zero scalar before).</summary>
    static string Product(GradContext c, string x, string y, bool transX, bool transY, float alpha)
    {
        var inputs = c.Opset >= 11 ? new[] { x, y } : [x, y, c.ScalarLike(0, c.O(0))];
        return c.Op("Gemm", inputs,
            [Attr.Int("transA", transX ? 1 : 0), Attr.Int("transB", transY ? 1 : 0), Attr.Float("alpha", alpha)]);
    }

    /// <summary>Swaps the last two axes of a rank-<paramref name="rank"/> tensor.</summary>
    static string SwapLast(GradContext c, string x, int rank) =>
        c.Transpose(x, [.. Axes(rank - 2), rank - 1, rank - 2]);

    /// <summary>0 … n−1.</summary>
    static long[] Axes(int n) => Enumerable.Range(0, n).Select(i => (long)i).ToArray();
}
