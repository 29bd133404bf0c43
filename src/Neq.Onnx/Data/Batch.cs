namespace Neq.Onnx.Data;

/// <summary>
/// One batch from <see cref="BatchLoader.ReadEpoch"/>: float32 images in NCHW order and int64
/// labels, in buffers the loader reuses. Dispose the batch once its data has been consumed (e.g.
/// after the session run that reads it) to hand the buffers back; its contents are undefined after.
/// </summary>
public sealed class Batch : IDisposable
{
    readonly BatchLoader _owner;
    readonly float[] _images;
    readonly long[] _labels;
    readonly float[] _targets;
    int _returned;

    internal Batch(BatchLoader owner, int batchSize, int imageFloats, int targetFloats = 0)
    {
        _owner = owner;
        _images = new float[batchSize * imageFloats];
        _labels = new long[batchSize];
        _targets = new float[batchSize * targetFloats];
        (ImageFloats, TargetFloats) = (imageFloats, targetFloats);
    }

    /// <summary>The batch's position in its epoch, from 0.</summary>
    public int Index { get; private set; }

    /// <summary>Images in this batch (the batch size, or fewer for an epoch's last batch).</summary>
    public int Count { get; private set; }

    /// <summary>Floats per image (C · H · W).</summary>
    public int ImageFloats { get; }

    /// <summary>The images, Count × C × H × W floats; ONNX Runtime can wrap this memory without a copy.</summary>
    public Memory<float> Images => _images.AsMemory(0, Count * ImageFloats);

    /// <summary>The labels, Count values in 0..classes−1 (unset for a regression set).</summary>
    public Memory<long> Labels => _labels.AsMemory(0, Count);

    /// <summary>Floats per regression target; 0 for class labels.</summary>
    public int TargetFloats { get; }

    /// <summary>The regression targets, Count × <see cref="TargetFloats"/> floats (empty for class labels).</summary>
    public Memory<float> Targets => _targets.AsMemory(0, Count * TargetFloats);

    /// <summary>Hands the buffers back to the loader. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _returned, 1) == 0) _owner.Return(this);
    }

    internal float[] ImageBuffer => _images;

    internal long[] LabelBuffer => _labels;

    internal float[] TargetBuffer => _targets;

    internal void Reset(int index, int count)
    {
        (Index, Count) = (index, count);
        _returned = 0;
    }
}
