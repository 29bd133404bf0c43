namespace Neq.Onnx.Data;

/// <summary>How a <see cref="BatchLoader"/> orders, augments and prefetches.</summary>
/// <param name="BatchSize">Images per batch; the last batch of an epoch may be smaller (PyTorch's drop_last=False).</param>
/// <param name="Shuffle">Reorder images every epoch (training); false keeps the set's order (validation, test).</param>
/// <param name="Augment">Random crop with zero padding and horizontal flip (p = 0.5) per image.</param>
/// <param name="Seed">Seed of the shuffle and augmentation; with the epoch number it fixes both.</param>
/// <param name="Prefetch">Batches prepared ahead of the consumer (the bound of the queue).</param>
/// <param name="Padding">Zero padding on each side for the random crop.</param>
/// <param name="Normalization">Per-channel normalisation; null means <see cref="ImageNormalization.Cifar10"/>.</param>
/// <param name="Shard">Data-parallel training: read only this rank's slice of every batch; null reads whole batches.</param>
public sealed record BatchLoaderOptions(
    int BatchSize,
    bool Shuffle = false,
    bool Augment = false,
    ulong Seed = 0,
    int Prefetch = 3,
    int Padding = 4,
    ImageNormalization? Normalization = null,
    DataShard? Shard = null);
