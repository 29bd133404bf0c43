using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Neq.Onnx.Numerics;

namespace Neq.Onnx.Data;

/// <summary>
/// Feeds an <see cref="ImageSet"/> or a <see cref="SampleSet"/> to training or evaluation as
/// float32 batches (NCHW images, or NHWC with <see cref="BatchLoaderOptions.ChannelsLast"/>; float
/// samples as they are) with int64 labels, or float regression targets (<see cref="Batch.Targets"/>). The order of epoch e and every image's augmentation are functions of
/// (<see cref="BatchLoaderOptions.Seed"/>, e, position) only, so a resumed run replays exactly the
/// epochs it would have run, and any batch can be rebuilt alone (<see cref="FillBatch(int, int, Span{float}, Span{long})"/>).
/// <see cref="ReadEpoch"/> prepares batches on a background thread, up to
/// <see cref="BatchLoaderOptions.Prefetch"/> ahead, so loading overlaps compute.
/// </summary>
public sealed class BatchLoader
{
    readonly ImageSet? _images;
    readonly SampleSet? _samples;
    readonly int[]? _indices;
    readonly BatchLoaderOptions _options;
    readonly ImageTransform? _transform;
    readonly int _count, _sampleFloats, _targetFloats;
    readonly long[] _sampleShape;
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
        _count = images.Count;
        _sampleFloats = _transform.ImageFloats;
        _sampleShape = BatchSampleShape([images.Channels, images.Height, images.Width], options);
    }

    /// <summary>
    /// A loader over <paramref name="samples"/>, or over the samples at <paramref name="indices"/>.
    /// Byte samples of shape (C, H, W) are normalised and augmented as images are; other byte
    /// samples are scaled to [0, 1] (or normalised with a one-channel normalisation); float samples
    /// are copied unchanged and cannot be augmented.
    /// </summary>
    public BatchLoader(SampleSet samples, BatchLoaderOptions options, int[]? indices = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Prefetch);
        if (indices is not null)
            foreach (var i in indices)
                if ((uint)i >= (uint)samples.Count)
                    throw new ArgumentOutOfRangeException(nameof(indices), i, $"An index is outside the {samples.Count} samples.");
        (_samples, _indices, _options) = (samples, indices, options);
        var image = samples.Element == SampleElement.Byte && samples.Shape.Count == 3;
        if (options.Augment && !image)
            throw new ArgumentException($"Augmentation needs byte images (C, H, W); these samples are {samples.Element} [{SampleSet.Format(samples.Shape)}].", nameof(options));
        if (options.ChannelsLast && !image)
            throw new ArgumentException($"Channels-last batches need byte images (C, H, W); these samples are {samples.Element} [{SampleSet.Format(samples.Shape)}].", nameof(options));
        if (samples.Element == SampleElement.Byte)
        {
            // Bytes not shaped (C, H, W) are one plane of SampleSize pixels for the transform.
            int[] chw = image ? [samples.Shape[0], samples.Shape[1], samples.Shape[2]] : [1, 1, samples.SampleSize];
            var normalization = options.Normalization
                ?? new ImageNormalization(Enumerable.Repeat(0f, chw[0]).ToArray(), Enumerable.Repeat(1f, chw[0]).ToArray());
            _transform = new ImageTransform(chw[0], chw[1], chw[2], normalization, image ? options.Padding : 0);
        }
        _count = samples.Count;
        _sampleFloats = samples.SampleSize;
        _targetFloats = samples.TargetSize;
        _sampleShape = BatchSampleShape(samples.Shape, options);
    }

    static long[] BatchSampleShape(IReadOnlyList<int> chw, BatchLoaderOptions options)
    {
        if (options.SampleShape is { } shape)
        {
            if (SampleSet.Product(shape) != SampleSet.Product(chw))
                throw new ArgumentException($"Batch sample shape [{SampleSet.Format(shape)}] does not hold the samples' [{SampleSet.Format(chw)}].", nameof(options));
            return shape.Select(d => (long)d).ToArray();
        }
        return options.ChannelsLast ? [chw[1], chw[2], chw[0]] : chw.Select(d => (long)d).ToArray();
    }

    /// <summary>Samples per epoch.</summary>
    public int Count => _indices?.Length ?? _count;

    /// <summary>Batches per epoch, the last one possibly partial.</summary>
    public int BatchCount => (Count + _options.BatchSize - 1) / _options.BatchSize;

    /// <summary>The full batch size.</summary>
    public int BatchSize => _options.BatchSize;

    /// <summary>Floats per image (C · H · W), or per sample.</summary>
    public int ImageFloats => _sampleFloats;

    /// <summary>Floats per regression target; 0 when the labels are class indices.</summary>
    public int TargetFloats => _targetFloats;

    /// <summary>
    /// The shape of batch <paramref name="batchIndex"/>: NCHW for images (NHWC with
    /// <see cref="BatchLoaderOptions.ChannelsLast"/>), else N followed by the sample shape.
    /// </summary>
    public long[] BatchShape(int batchIndex) => [BatchLength(batchIndex), .. _sampleShape];

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
        if (!_options.Augment) return CropFlip.None(_transform?.Padding ?? 0);
        var rng = new SplitMix64(SplitMix64.Derive(_options.Seed, (ulong)epoch, 0x1_0000_0000UL + (ulong)position));
        var span = 2 * _options.Padding + 1;
        return new CropFlip(rng.NextInt(span), rng.NextInt(span), (rng.Next() >> 63) != 0 && _options.Flip);
    }

    /// <summary>
    /// Writes batch <paramref name="batchIndex"/> of epoch <paramref name="epoch"/> (this rank's slice
    /// of it with a shard) into the caller's buffers and returns its image count. Deterministic: the
    /// same arguments give the same bytes, whichever thread runs it and whatever ran before; an image
    /// is augmented by its position in the epoch, whichever rank reads it.
    /// </summary>
    public int FillBatch(int epoch, int batchIndex, Span<float> images, Span<long> labels) => FillBatch(epoch, batchIndex, images, labels, []);

    /// <summary>
    /// <see cref="FillBatch(int, int, Span{float}, Span{long})"/> for any set: class labels go to
    /// <paramref name="labels"/>, regression targets (<see cref="TargetFloats"/> per sample) to
    /// <paramref name="targets"/>; the other span may be empty.
    /// </summary>
    public int FillBatch(int epoch, int batchIndex, Span<float> images, Span<long> labels, Span<float> targets)
    {
        var (offset, count) = ShardSlice(batchIndex);
        var floats = ImageFloats;
        if (images.Length < count * floats) throw new ArgumentException($"Batch {batchIndex} needs {count * floats} floats.", nameof(images));
        var classLabels = _samples?.HasClassLabels ?? true;
        if (classLabels && labels.Length < count) throw new ArgumentException($"Batch {batchIndex} needs {count} labels.", nameof(labels));
        if (!classLabels && targets.Length < count * _targetFloats) throw new ArgumentException($"Batch {batchIndex} needs {count * _targetFloats} target floats.", nameof(targets));
        var order = OrderFor(epoch);
        var first = batchIndex * _options.BatchSize + offset;
        if (_images is not null)
        {
            for (var i = 0; i < count; i++)
            {
                var image = order[first + i];
                _transform!.Apply(_images.Image(image), AugmentationAt(epoch, first + i), images.Slice(i * floats, floats));
                labels[i] = _images.Label(image);
            }
            if (_options.ChannelsLast) ToChannelsLast(images[..(count * floats)], count);
            return count;
        }
        var set = _samples!;
        for (var i = 0; i < count; i++)
        {
            var sample = order[first + i];
            var destination = images.Slice(i * floats, floats);
            if (_transform is not null) _transform.Apply(set.ByteSample(sample), AugmentationAt(epoch, first + i), destination);
            else set.FloatSample(sample).CopyTo(destination);
            if (classLabels) labels[i] = set.Label(sample);
            else set.Target(sample).CopyTo(targets.Slice(i * _targetFloats, _targetFloats));
        }
        if (_options.ChannelsLast) ToChannelsLast(images[..(count * floats)], count);
        return count;
    }

    /// <summary>Reorders each of <paramref name="count"/> images in place from (C, H, W) to (H, W, C).</summary>
    void ToChannelsLast(Span<float> images, int count)
    {
        var (c, plane) = (_transform!.Channels, _transform.Height * _transform.Width);
        if (c == 1) return;
        var chw = new float[c * plane];
        for (var n = 0; n < count; n++)
        {
            var image = images.Slice(n * chw.Length, chw.Length);
            image.CopyTo(chw);
            for (var p = 0; p < plane; p++)
                for (var k = 0; k < c; k++)
                    image[p * c + k] = chw[k * plane + p];
        }
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
                    batch.Reset(b, FillBatch(epoch, b, batch.ImageBuffer, batch.LabelBuffer, batch.TargetBuffer));
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

    Batch Rent() => _pool.TryTake(out var batch) ? batch : new Batch(this, _options.BatchSize, ImageFloats, _targetFloats);

    internal void Return(Batch batch) => _pool.Add(batch);

    int[] OrderFor(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (_order is { } cached && cached.Epoch == epoch) return cached.Order;
        var order = _indices is null ? Enumerable.Range(0, _count).ToArray() : (int[])_indices.Clone();
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
