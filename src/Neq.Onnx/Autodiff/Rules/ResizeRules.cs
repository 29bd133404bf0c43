using Neq.Onnx.Graphs;

namespace Neq.Onnx.Autodiff.Rules;

// Resampling. Legend: X [d₀, d₁, …] of rank r, Y and G [d₀·s₀, d₁·s₁, …] for whole factors s;
// output index i = k·s + j (0 ≤ j < s) reads input k + round(f(j)), where f(j) is the offset
// the coordinate transformation adds to k.

/// <summary>Gradient rule of Resize.</summary>
static class ResizeRules
{
    /// <summary>
    /// Y = Resize(X) in nearest mode by whole factors s (opset 11+): each output element copies
    /// X[⌊i/s⌋] when the transformation's offset f(j) rounds to 0 for every j in [0, s) —
    /// asymmetric f(j) = j/s with floor (PyTorch's export of nn.Upsample), half_pixel and
    /// pytorch_half_pixel f(j) = (j + ½)/s − ½ ∈ (−½, ½) with round_prefer_floor or
    /// round_prefer_ceil (the factors are checked, not assumed). Then every X element
    /// is copied into one s₀×s₁×… block of Y, and dX is G summed over its block: G viewed as
    /// [d₀, s₀, d₁, s₁, …], ReduceSum over the s axes. Linear and cubic modes, fractional factors,
    /// align_corners and tf_crop_and_resize are one error naming the node.
    /// </summary>
    public static Grad?[] Resize(GradContext c) => c.Result(() =>
    {
        var x = c.I(0);
        int rank = c.Rank(x);
        var mode = c.Node.GetString("mode", "nearest");
        if (mode != "nearest" || c.Opset < 11)
            throw c.Error($"its gradient is defined for mode nearest (opset 11 or later) only; this node has mode '{mode}' at opset {c.Opset}");
        var factors = Factors(c, rank);
        var transform = c.Node.GetString("coordinate_transformation_mode", "half_pixel");
        var rounding = c.Node.GetString("nearest_mode", "round_prefer_floor");
        foreach (var s in factors.Distinct())
            for (long j = 0; j < s; j++)
                if (Round(Offset(c, transform, j, s), rounding, c) != 0)
                    throw c.Error($"with coordinate_transformation_mode {transform} and nearest_mode {rounding}, an upscaling factor of {s} does not copy each input element into one block, so no block-sum gradient exists");

        var blockShape = c.Reshape(c.Concat([c.Unsqueeze(c.ShapeOf(x), 1), c.Unsqueeze(c.Ints(factors), 1)], 1), -1);
        var blocks = c.Reshape(c.G, blockShape);
        return c.ReduceSum(blocks, Enumerable.Range(0, rank).Select(a => 2L * a + 1).ToArray(), keepDims: false);
    });

    /// <summary>The whole factor of each axis: from the scales input (over 'axes' from opset 18), else from X's and Y's sizes.</summary>
    static long[] Factors(GradContext c, int rank)
    {
        var axes = c.Node.GetInts("axes")?.Select(a => RuleShapes.NormalizeAxis(a, rank)).ToArray()
                   ?? Enumerable.Range(0, rank).Select(a => (long)a).ToArray();
        var factors = Enumerable.Repeat(1.0, rank).ToArray();
        if (c.HasI(2) && c.ConstantOf(c.I(2)) is { } scales && scales.ElementCount() > 0)
        {
            var s = scales.ToDoubleArray();
            for (int k = 0; k < axes.Length; k++) factors[axes[k]] = s[k];
        }
        else
        {
            var dx = c.TypeOf(c.I(0))?.Shape;
            var dy = c.TypeOf(c.O(0))?.Shape;
            foreach (var a in axes)
            {
                if (dx?[(int)a].Value is not { } from || dy?[(int)a].Value is not { } to || from == 0)
                    throw c.Error($"its upscaling factors must be known when the graph is built (a constant scales input, or the sizes of '{c.I(0)}' and '{c.O(0)}' on axis {a})");
                factors[a] = (double)to / from;
            }
        }
        if (factors.Any(f => f < 1 || Math.Abs(f - Math.Round(f)) > 1e-6))
            throw c.Error($"its gradient is defined for whole upscaling factors only; the factors are [{string.Join(", ", factors)}]");
        return factors.Select(f => (long)Math.Round(f)).ToArray();
    }

    static double Offset(GradContext c, string transform, long j, long s) => transform switch
    {
        "asymmetric" => (double)j / s,
        "half_pixel" or "pytorch_half_pixel" => (j + 0.5) / s - 0.5,
        _ => throw c.Error($"coordinate_transformation_mode {transform} has no gradient rule (asymmetric, half_pixel and pytorch_half_pixel do)"),
    };

    static double Round(double v, string rounding, GradContext c) => rounding switch
    {
        "floor" => Math.Floor(v),
        "ceil" => Math.Ceiling(v),
        "round_prefer_floor" => Math.Ceiling(v - 0.5),
        "round_prefer_ceil" => Math.Floor(v + 0.5),
        _ => throw c.Error($"nearest_mode '{rounding}' is not an ONNX rounding"),
    };
}
