using System.Numerics.Tensors;

namespace Neq.Onnx.Equilibrium;

/// <summary>
/// The cosine NEq compares a neuron's outputs with, with the reference's policy for degenerate
/// vectors, applied in this order:
/// <list type="number">
/// <item>both vectors all-zero → 1 (a dead neuron is not changing);</item>
/// <item>exactly one all-zero → 0;</item>
/// <item>otherwise a·b / (‖a‖·‖b‖), and 0 when that is NaN or infinite (a NaN or infinite
/// input), clamped to [−1, 1] against rounding.</item>
/// </list>
/// Products and sums are taken in float32 (vectorised); when a sum is zero or leaves float range
/// — vectors so small that their squares underflow, or so large that they overflow — they are
/// taken again in float64, so "all-zero" means every value is exactly 0 and only a truly NaN or
/// infinite input gives the 0 of the last rule.
/// </summary>
public static class Similarity
{
    /// <summary>The cosine of <paramref name="a"/> and <paramref name="b"/> (equal lengths), computed in float32.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Vectors of {a.Length} and {b.Length} values.", nameof(b));
        var dot = TensorPrimitives.Dot(a, b);
        var normA = TensorPrimitives.SumOfSquares(a);
        var normB = TensorPrimitives.SumOfSquares(b);
        if (normA > 0 && normB > 0 && float.IsFinite(normA) && float.IsFinite(normB) && float.IsFinite(dot))
            return FromSums(dot, normA, normB);
        // Rare: a zero, underflowing, overflowing or non-finite vector. Float64 settles which.
        double d = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            d += x * y;
            na += x * x;
            nb += y * y;
        }
        return FromSums(d, na, nb);
    }

    /// <summary>
    /// The cosine from its sums: <paramref name="dot"/> = Σ aᵢbᵢ, <paramref name="squaredNormA"/> =
    /// Σ aᵢ², <paramref name="squaredNormB"/> = Σ bᵢ²; same policy as <see cref="Cosine"/>.
    /// </summary>
    public static float FromSums(double dot, double squaredNormA, double squaredNormB)
    {
        var zeroA = squaredNormA == 0;
        var zeroB = squaredNormB == 0;
        if (zeroA && zeroB) return 1;
        if (zeroA || zeroB) return 0;
        var cos = dot / (Math.Sqrt(squaredNormA) * Math.Sqrt(squaredNormB));
        if (!double.IsFinite(cos)) return 0;
        return (float)Math.Clamp(cos, -1, 1);
    }
}
