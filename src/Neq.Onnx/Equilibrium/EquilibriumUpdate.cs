namespace Neq.Onnx.Equilibrium;

/// <summary>What <see cref="EquilibriumController.CompletePass"/> found after a validation pass.</summary>
/// <param name="Epoch">
/// The training epoch the pass followed (from 0); −1 for the reference pass on the untrained
/// model. The masks apply to epoch <c>Epoch + 1</c>, so they first take effect in the second epoch.
/// </param>
/// <param name="Layers">Per layer, in the controller's order. For the reference pass φ = 1 and Δφ = v = 0, and nothing is frozen.</param>
public sealed record EquilibriumUpdate(int Epoch, IReadOnlyList<LayerUpdate> Layers)
{
    /// <summary>Whether this was the reference pass (before any training).</summary>
    public bool IsReference => Epoch < 0;

    /// <summary>Frozen neurons over all layers.</summary>
    public int FrozenCount => Layers.Sum(l => l.FrozenCount);

    /// <summary>Neurons over all layers (without the classifier, which is never hooked).</summary>
    public int NeuronCount => Layers.Sum(l => l.Layer.Channels);
}
