namespace Neq.Onnx.Data;

/// <summary>
/// Per-channel normalisation of pixels scaled to [0, 1]: x ↦ (x − mean_c) / std_c, as
/// torchvision's ToTensor followed by Normalize computes it in float32.
/// </summary>
/// <param name="Mean">Mean of each channel on [0, 1].</param>
/// <param name="Std">Standard deviation of each channel on [0, 1]; every entry positive.</param>
public sealed record ImageNormalization(IReadOnlyList<float> Mean, IReadOnlyList<float> Std)
{
    /// <summary>
    /// The CIFAR-10 constants the NEq reference code uses: mean (0.49139968, 0.48215841,
    /// 0.44653091), std (0.2023, 0.1994, 0.2010).
    /// </summary>
    public static ImageNormalization Cifar10 { get; } =
        new([0.49139968f, 0.48215841f, 0.44653091f], [0.2023f, 0.1994f, 0.2010f]);

    /// <summary>The normalised value of byte <paramref name="pixel"/> in channel <paramref name="channel"/>.</summary>
    public float Apply(int channel, byte pixel) => (pixel / 255f - Mean[channel]) / Std[channel];
}
