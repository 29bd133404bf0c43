using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Neq.Onnx.Numerics;

namespace Neq.Onnx.Data;

/// <summary>
/// Feeds an <see cref="ImageSet"/> to training or evaluation as float32 NCHW batches with int64
/// labels. The order of epoch e and every image's augmentation are functions of
/// (<see cref="BatchLoaderOptions.Seed"/>, e, position) only, so a resumed run replays exactly the
/// epochs it would have run, and any batch can be rebuilt alone (<see cref="FillBatch"/>).
/// <see cref="ReadEpoch"/> prepares batches on a background thread, up to
/// <see cref="BatchLoaderOptions.Prefetch"/> ahead, so loading overlaps compute.
/// </summary>
public sealed class BatchLoader
{
    readonly ImageSet _images;
    readonly int[]? _indices;
    readonly BatchLoaderOptions _options;
    readonly ImageTransform _transform;
    readonly ConcurrentBag<Batch> _pool = [];
    volatile CachedOrder? _order;

    /// <summary>
    /// A loader over <paramref name="images"/>, or over the images at <paramref name="indices"/>
    /// (e.g. <see cref="DataSplit.Train"/>) without copying them.
    /// </summary>
    public BatchLoader(ImageSet images, BatchLoaderOptions options, int[]? indices = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Prefetch);
        options.Shard?.Validate();
        if (indices is not null)
            foreach (var i in indices)
                if ((uint)i >= (uint)images.Count)
                    throw new ArgumentOutOfRangeException(nameof(indices), i, $"An index is outside the {images.Count} images.");
        (_images, _indices, _options) = (images, indices, options);
        _transform = new ImageTransform(images.Channels, images.Height, images.Width,
            options.Normalization ?? ImageNormalization.Cifar10, options.Padding);
    }

    /// <summary>Images per epoch.</summary>
    public int Count => _indices?.Length ?? _images.Count;

    /// <summary>Batches per epoch, the last one possibly partial.</summary>
    public int BatchCount => (Count + _options.BatchSize - 1) / _options.BatchSize;

    /// <summary>The full batch size.</summary>
    public int BatchSize => _options.BatchSize;

    /// <summary>Floats per image (C · H · W).</summary>
    public int ImageFloats => _transform.ImageFloats;

    /// <summary>The NCHW shape of batch <paramref name="batchIndex"/>.</summary>
    public long[] BatchShape(int batchIndex) => [BatchLength(batchIndex), _images.Channels, _images.Height, _images.Width];

    /// <summary>Images in batch <paramref name="batchIndex"/>: with a <see cref="BatchLoaderOptions.Shard"/>, this rank's slice of it.</summary>
    public int BatchLength(int batchIndex) => ShardSlice(batchIndex).Length;

    /// <summary>Images in global batch <paramref name="batchIndex"/>, over all ranks (the step's batch in one process).</summary>
    public int GlobalBatchLength(int batchIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(batchIndex, BatchCount);
        return Math.Min(_options.BatchSize, Count - batchIndex * _options.BatchSize);
    }

    /// <summary>This rank's slice of global batch <paramref name="batchIndex"/>: offset in the batch and length (the whole batch without a shard).</summary>
    public (int Offset, int Length) ShardSlice(int batchIndex)
    {
        var global = GlobalBatchLength(batchIndex);
        return _options.Shard is { } shard ? shard.Slice(global) : (0, global);
    }

    /// <summary>
    /// The indices into the image set in the order epoch <paramref name="epoch"/> reads them:
    /// a seeded Fisher–Yates permutation when shuffling, else the set's (or index list's) order.
    /// </summary>
    public int[] EpochOrder(int epoch) => (int[])OrderFor(epoch).Clone();

    /// <summary>
    /// The augmentation applied to the image at <paramref name="position"/> of epoch
    /// <paramref name="epoch"/>: crop offsets uniform in 0..2·padding, flip with probability 0.5;
    /// the identity when augmentation is off.
    /// </summary>
    public CropFlip AugmentationAt(int epoch, int position)
    {
        if (!_options.Augment) return CropFlip.None(_options.Padding);
        var rng = new SplitMix64(SplitMix64.Derive(_options.Seed, (ulong)epoch, 0x1_0000_0000UL + (ulong)position));
        var span = 2 * _options.Padding + 1;
        return new CropFlip(rng.NextInt(span), rng.NextInt(span), (rng.Next() >> 63) != 0);
    }

    /// <summary>
    /// Writes batch <paramref name="batchIndex"/> of epoch <paramref name="epoch"/> (this rank's slice
    /// of it with a shard) into the caller's buffers and returns its image count. Deterministic: the
    /// same arguments give the same bytes, whichever thread runs it and whatever ran before; an image
    /// is augmented by its position in the epoch, whichever rank reads it.
    /// </summary>
    public int FillBatch(int epoch, int batchIndex, Span<float> images, Span<long> labels)
    {
        var (offset, count) = ShardSlice(batchIndex);
        var floats = ImageFloats;
        if (images.Length < count * floats) throw new ArgumentException($"Batch {batchIndex} needs {count * floats} floats.", nameof(images));
        if (labels.Length < count) throw new ArgumentException($"Batch {batchIndex} needs {count} labels.", nameof(labels));
        var order = OrderFor(epoch);
        var first = batchIndex * _options.BatchSize + offset;
        for (var i = 0; i < count; i++)
        {
            var image = order[first + i];
            _transform.Apply(_images.Image(image), AugmentationAt(epoch, first + i), images.Slice(i * floats, floats));
            labels[i] = _images.Label(image);
        }
        return count;
    }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/> in order, prepared on a background thread at
    /// most <see cref="BatchLoaderOptions.Prefetch"/> ahead. Dispose each batch when done with it
    /// so its buffers are reused; leaving the loop early stops the background thread. An exception
    /// while preparing a batch is rethrown to the consumer when it reaches that batch.
    /// </summary>
    public IEnumerable<Batch> ReadEpoch(int epoch, CancellationToken cancellationToken = default)
    {
        // A dedicated thread and a blocking bounded queue rather than a pool task and an async
        // channel: the consumer is a synchronous training loop that blocks in ONNX Runtime, and
        // the producer must never wait for a thread-pool thread to be free. (On a busy 2-core
        // machine, a consumer computing 5 ms per batch waited about half the time for a pool-task
        // producer, and about a tenth of the time for this thread.)
        using var queue = new BlockingCollection<Batch>(_options.Prefetch);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? failure = null;
        var producer = new Thread(() =>
        {
            try
            {
                for (var b = 0; b < BatchCount; b++)
                {
                    var batch = Rent();
                    batch.Reset(b, FillBatch(epoch, b, batch.ImageBuffer, batch.LabelBuffer));
                    try { queue.Add(batch, stop.Token); }
                    catch { batch.Dispose(); throw; }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            catch (Exception e) { failure = e; }
            finally { queue.CompleteAdding(); }
        })
        { IsBackground = true, Name = "NEq batch loader" };
        producer.Start();
        try
        {
            foreach (var batch in queue.GetConsumingEnumerable(cancellationToken))
                yield return batch;
            if (failure is not null) ExceptionDispatchInfo.Throw(failure);
        }
        finally
        {
            stop.Cancel();
            producer.Join();
            while (queue.TryTake(out var unread)) unread.Dispose();
        }
    }

    Batch Rent() => _pool.TryTake(out var batch) ? batch : new Batch(this, _options.BatchSize, ImageFloats);

    internal void Return(Batch batch) => _pool.Add(batch);

    int[] OrderFor(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (_order is { } cached && cached.Epoch == epoch) return cached.Order;
        var order = _indices is null ? Enumerable.Range(0, _images.Count).ToArray() : (int[])_indices.Clone();
        if (_options.Shuffle)
        {
            var rng = new SplitMix64(SplitMix64.Derive(_options.Seed, (ulong)epoch, 0x5_4AFF1E));
            for (var i = order.Length - 1; i > 0; i--)
            {
                var j = rng.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        // Replaced whole, never mutated, so a reader on another thread sees one consistent pair.
        _order = new CachedOrder(epoch, order);
        return order;
    }

    sealed record CachedOrder(int Epoch, int[] Order);
}
