namespace Neq.Onnx.Equilibrium;

/// <summary>One layer's measurements after an epoch and its mask for the next.</summary>
/// <param name="Layer">The layer.</param>
/// <param name="Phi">φ per channel: mean cosine between this epoch's and the previous epoch's outputs.</param>
/// <param name="DeltaPhi">Δφ per channel.</param>
/// <param name="Velocity">v per channel.</param>
/// <param name="Frozen">Per channel: true when the neuron does not update in the next epoch.</param>
public sealed record LayerUpdate(EquilibriumLayer Layer, double[] Phi, double[] DeltaPhi, double[] Velocity, bool[] Frozen)
{
    /// <summary>Frozen channels.</summary>
    public int FrozenCount => Frozen.Count(f => f);

    /// <summary>Frozen channels as a fraction of the layer's channels.</summary>
    public double FrozenFraction => (double)FrozenCount / Layer.Channels;

    /// <summary>Writes the gradient mask a training graph multiplies by: 1 for a trainable channel, 0 for a frozen one.</summary>
    public void WriteTrainableMask(Span<float> destination)
    {
        if (destination.Length != Frozen.Length)
            throw new ArgumentException($"Layer '{Layer.Name}' has {Frozen.Length} channels, the mask {destination.Length}.", nameof(destination));
        for (var c = 0; c < Frozen.Length; c++) destination[c] = Frozen[c] ? 0f : 1f;
    }
}
