namespace Neq.Onnx.Data;

/// <summary>
/// A data set fitted to a model input by <see cref="InputFit.Fit"/>, and what its
/// <see cref="BatchLoader"/>s need to produce batches of the input's shape.
/// </summary>
/// <param name="Dataset">The data set with samples padded or resized as needed (its notes say what was done).</param>
/// <param name="SampleShape">The per-sample shape of the model's batches: set <see cref="BatchLoaderOptions.SampleShape"/> to it.</param>
/// <param name="ChannelsLast">Whether (C, H, W) samples must be written channels-last: set <see cref="BatchLoaderOptions.ChannelsLast"/> to it.</param>
/// <param name="IsImage">Whether the samples are byte images (C, H, W): per-channel normalisation and crop/flip augmentation apply (other byte samples are scaled to [0, 1]; float samples pass unchanged).</param>
public sealed record FittedDataset(Dataset Dataset, IReadOnlyList<int> SampleShape, bool ChannelsLast, bool IsImage);
