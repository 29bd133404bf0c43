namespace Neq.Onnx.Data;

/// <summary>How a <see cref="BatchLoader"/> orders, augments and prefetches.</summary>
/// <param name="BatchSize">Images per batch; the last batch of an epoch may be smaller (PyTorch's drop_last=False).</param>
/// <param name="Shuffle">Reorder images every epoch (training); false keeps the set's order (validation, test).</param>
/// <param name="Augment">Random crop with zero padding and horizontal flip (p = 0.5) per image.</param>
/// <param name="Seed">Seed of the shuffle and augmentation; with the epoch number it fixes both.</param>
/// <param name="Prefetch">Batches prepared ahead of the consumer (the bound of the queue).</param>
/// <param name="Padding">Zero padding on each side for the random crop.</param>
/// <param name="Normalization">Per-channel normalisation of byte images; null means <see cref="ImageNormalization.Cifar10"/> (for a <see cref="SampleSet"/> of bytes not shaped (C, H, W): mean 0, std 1, i.e. pixels scaled to [0, 1]).</param>
/// <param name="Flip">Whether <paramref name="Augment"/> includes the horizontal flip (false: crop only, <see cref="AugmentMode.Crop"/>).</param>
/// <param name="ChannelsLast">Write image batches as N, H, W, C (a channels-last model input) instead of N, C, H, W.</param>
/// <param name="SampleShape">The per-sample shape batches take (<see cref="BatchLoader.BatchShape"/>), e.g. (784) for a flattened 1×28×28 image; null keeps the set's own shape. Same element count.</param>
/// <param name="Shard">Data-parallel training: read only this rank's slice of every batch; null reads whole batches.</param>
public sealed record BatchLoaderOptions(
    int BatchSize,
    bool Shuffle = false,
    bool Augment = false,
    ulong Seed = 0,
    int Prefetch = 3,
    int Padding = 4,
    ImageNormalization? Normalization = null,
    bool Flip = true,
    bool ChannelsLast = false,
    IReadOnlyList<int>? SampleShape = null,
    DataShard? Shard = null);
