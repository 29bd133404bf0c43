using System.Globalization;

namespace Neq.Onnx.Equilibrium;

/// <summary>The NEq controller's settings (the trainer's <c>--eps</c>, <c>--velocity-mu</c>, <c>--velocity-rule</c>, <c>--pinning</c>).</summary>
/// <param name="Eps">Equilibrium threshold ε on |v| (0.001 for classification); not negative.</param>
/// <param name="VelocityMu">Velocity momentum μ_eq in [0, 0.5] (the paper's range; 0.5 by default).</param>
/// <param name="VelocityRule">Paper formula (default) or the authors' code; also picks &lt; or ≤ in the ε test.</param>
/// <param name="Pinning">
/// Keep every neuron frozen once it has been at equilibrium (the code's <c>--pinning=1</c>: the
/// frozen set is the union of all frozen sets so far). Off: masks are recomputed from scratch every
/// epoch and a frozen neuron trains again when its velocity grows.
/// </param>
/// <param name="Precision">Element type of the stored previous activations (half by default, to halve memory).</param>
public sealed record EquilibriumOptions(
    double Eps = 0.001,
    double VelocityMu = 0.5,
    VelocityRule VelocityRule = VelocityRule.Paper,
    bool Pinning = false,
    ActivationPrecision Precision = ActivationPrecision.Half)
{
    /// <summary>Throws <see cref="ArgumentException"/> with a message for the user when a setting is out of range.</summary>
    public void Validate()
    {
        if (!(Eps >= 0) || double.IsInfinity(Eps))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--eps must be a finite number ≥ 0 (got {Eps})."));
        if (!(VelocityMu >= 0 && VelocityMu <= 0.5))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--velocity-mu must be in [0, 0.5] (got {VelocityMu})."));
        if (!Enum.IsDefined(VelocityRule))
            throw new ArgumentException($"--velocity-rule must be paper or reference-code (got {(int)VelocityRule}).");
        if (!Enum.IsDefined(Precision))
            throw new ArgumentException($"Unknown activation precision {(int)Precision}.");
    }
}
