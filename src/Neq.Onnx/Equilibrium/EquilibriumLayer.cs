namespace Neq.Onnx.Equilibrium;

/// <summary>
/// A layer whose output channels are NEq neurons (a Conv or BatchNormalization output). Its
/// validation activations arrive as [images, <see cref="Channels"/>, <see cref="Positions"/>].
/// </summary>
/// <param name="Name">The layer's name (its activation output), used in logs, masks and state.</param>
/// <param name="Channels">Output channels: one neuron each.</param>
/// <param name="Positions">
/// Values per channel per image (H·W for a feature map). 1 (a fully connected layer, or a conv on
/// a 1×1 map) is special: a per-image cosine of one number is only its sign, so φ is then the
/// cosine over the vector of validation images.
/// </param>
public sealed record EquilibriumLayer(string Name, int Channels, int Positions)
{
    /// <summary>True when each channel has one value per image (φ is taken across images).</summary>
    public bool OneValuePerImage => Positions == 1;

    /// <summary>Activation values per image: Channels · Positions.</summary>
    public long ValuesPerImage => (long)Channels * Positions;

    internal void Validate()
    {
        if (string.IsNullOrEmpty(Name)) throw new ArgumentException("A neuron layer needs a name.");
        if (Channels <= 0) throw new ArgumentException($"Layer '{Name}' has {Channels} channels; it needs at least one.");
        if (Positions <= 0) throw new ArgumentException($"Layer '{Name}' has {Positions} positions per channel; it needs at least one.");
    }
}
