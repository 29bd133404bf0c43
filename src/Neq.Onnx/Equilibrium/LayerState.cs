namespace Neq.Onnx.Equilibrium;

/// <summary>One layer's part of an <see cref="EquilibriumState"/>.</summary>
/// <param name="Layer">The layer.</param>
/// <param name="Phi">φ_{t−1} per channel (1 before the first epoch).</param>
/// <param name="DeltaPhi">Δφ_{t−1} per channel (0 before the first epoch).</param>
/// <param name="Velocity">v_{t−1} per channel (0 before the first epoch).</param>
/// <param name="Frozen">The current frozen set (pinning unites new sets with it).</param>
/// <param name="PreviousActivations">
/// The previous pass's activations, [images, channels, positions], as little-endian values of the
/// state's <see cref="EquilibriumState.Precision"/>; empty before the reference pass.
/// </param>
public sealed record LayerState(
    EquilibriumLayer Layer, double[] Phi, double[] DeltaPhi, double[] Velocity, bool[] Frozen, byte[] PreviousActivations);
