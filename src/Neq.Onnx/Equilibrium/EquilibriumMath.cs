namespace Neq.Onnx.Equilibrium;

/// <summary>
/// NEq's per-neuron recurrences (Bragagnolo et al., NeurIPS 2022, §3), over spans of channels.
/// φ_t is a neuron's similarity between epochs t−1 and t; the recurrences start from
/// φ_{−1} = 1, Δφ_{−1} = 0 and v_{−1} = 0.
/// </summary>
public static class EquilibriumMath
{
    /// <summary>Δφ_t = φ_t − φ_{t−1}.</summary>
    public static void Variation(ReadOnlySpan<double> phi, ReadOnlySpan<double> previousPhi, Span<double> deltaPhi)
    {
        CheckLengths(phi.Length, previousPhi.Length, deltaPhi.Length);
        for (var i = 0; i < phi.Length; i++) deltaPhi[i] = phi[i] - previousPhi[i];
    }

    /// <summary>
    /// The velocity. <see cref="VelocityRule.Paper"/>: v_t = Δφ_t − μ·v_{t−1}.
    /// <see cref="VelocityRule.ReferenceCode"/>: v_t = μ·v_{t−1} + Δφ_t − Δφ_{t−1}. Both give
    /// v_0 = Δφ_0 and the same v_1; for Δφ = −0.5, 0.3, 0.1 and μ = 0.5 they give
    /// v_2 = −0.175 (paper) and 0.075 (code).
    /// </summary>
    public static void Velocity(
        VelocityRule rule, double mu,
        ReadOnlySpan<double> deltaPhi, ReadOnlySpan<double> previousDeltaPhi, ReadOnlySpan<double> previousVelocity,
        Span<double> velocity)
    {
        CheckLengths(deltaPhi.Length, previousDeltaPhi.Length, previousVelocity.Length);
        CheckLengths(deltaPhi.Length, velocity.Length, velocity.Length);
        for (var i = 0; i < deltaPhi.Length; i++)
            velocity[i] = rule switch
            {
                VelocityRule.Paper => deltaPhi[i] - mu * previousVelocity[i],
                VelocityRule.ReferenceCode => mu * previousVelocity[i] + deltaPhi[i] - previousDeltaPhi[i],
                _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, null),
            };
    }

    /// <summary>
    /// Whether a neuron with velocity <paramref name="velocity"/> is at equilibrium: |v| &lt; ε under
    /// the paper's rule, |v| ≤ ε under the code's (so with ε = 0 the code still freezes neurons whose
    /// velocity is exactly 0, such as dead ones; the paper's rule freezes nothing). NaN is never at
    /// equilibrium.
    /// </summary>
    public static bool IsAtEquilibrium(double velocity, double eps, VelocityRule rule) => rule switch
    {
        VelocityRule.Paper => Math.Abs(velocity) < eps,
        VelocityRule.ReferenceCode => Math.Abs(velocity) <= eps,
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, null),
    };

    /// <summary>
    /// The frozen set for the next epoch: neurons at equilibrium now, united with
    /// <paramref name="previouslyFrozen"/> when <paramref name="pinning"/> (once frozen, frozen for
    /// good); without pinning the set is recomputed from scratch and a neuron can train again.
    /// Returns how many are frozen.
    /// </summary>
    public static int Freeze(
        ReadOnlySpan<double> velocity, double eps, VelocityRule rule, bool pinning,
        ReadOnlySpan<bool> previouslyFrozen, Span<bool> frozen)
    {
        CheckLengths(velocity.Length, previouslyFrozen.Length, frozen.Length);
        var count = 0;
        for (var i = 0; i < velocity.Length; i++)
        {
            frozen[i] = IsAtEquilibrium(velocity[i], eps, rule) || (pinning && previouslyFrozen[i]);
            if (frozen[i]) count++;
        }
        return count;
    }

    static void CheckLengths(int a, int b, int c)
    {
        if (a != b || a != c) throw new ArgumentException($"Spans of {a}, {b} and {c} channels; they must match.");
    }
}
