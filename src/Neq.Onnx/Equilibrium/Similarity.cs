using System.Numerics.Tensors;

namespace Neq.Onnx.Equilibrium;

/// <summary>
/// The cosine NEq compares a neuron's outputs with, with the reference's policy for degenerate
/// vectors, applied in this order:
/// <list type="number">
/// <item>both vectors all-zero → 1 (a dead neuron is not changing);</item>
/// <item>exactly one all-zero → 0;</item>
/// <item>otherwise a·b / (‖a‖·‖b‖), and 0 when that is NaN or infinite (a NaN or infinite input,
/// or a squared norm past float range), clamped to [−1, 1] against rounding.</item>
/// </list>
/// "All-zero" means a squared norm of exactly 0, which also covers vectors whose every value is
/// below about 10⁻¹⁹ in magnitude (their squares underflow in float32) — the reference's
/// normalise-then-test rule treats those the same way.
/// </summary>
public static class Similarity
{
    /// <summary>The cosine of <paramref name="a"/> and <paramref name="b"/> (equal lengths), computed in float32.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Vectors of {a.Length} and {b.Length} values.", nameof(b));
        return FromSums(TensorPrimitives.Dot(a, b), TensorPrimitives.SumOfSquares(a), TensorPrimitives.SumOfSquares(b));
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
