using System.Globalization;

namespace Neq.Onnx.Data;

/// <summary>
/// Samples of one declared shape with their labels: either class indices (classification) or
/// float targets of a declared shape (regression). Sample i is <see cref="SampleSize"/> elements in
/// C order; image samples are bytes in channel-major order (C, H, W), as <see cref="ImageSet"/>
/// keeps them. Arrays are wrapped, not copied.
/// </summary>
public sealed class SampleSet
{
    readonly byte[]? _bytes;
    readonly float[]? _floats;
    readonly int[]? _labels;
    readonly float[]? _targets;

    SampleSet(byte[]? bytes, float[]? floats, int count, IReadOnlyList<int> shape, int[]? labels, float[]? targets, IReadOnlyList<int>? targetShape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        foreach (var d in shape) ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d, nameof(shape));
        var size = checked((int)Product(shape));
        var stored = bytes?.LongLength ?? floats!.LongLength;
        if (stored != (long)count * size)
            throw new ArgumentException($"{count} samples of shape [{Format(shape)}] need {(long)count * size} values, got {stored}.");
        if (targets is not null)
        {
            var width = checked((int)Product(targetShape!));
            if (targets.LongLength != (long)count * width)
                throw new ArgumentException($"{count} targets of shape [{Format(targetShape!)}] need {(long)count * width} values, got {targets.LongLength}.");
            TargetSize = width;
        }
        (_bytes, _floats, _labels, _targets) = (bytes, floats, labels, targets);
        (Count, Shape, SampleSize, TargetShape) = (count, shape.ToArray(), size, targetShape?.ToArray());
    }

    /// <summary>Byte samples (images) with class labels.</summary>
    public static SampleSet FromBytes(byte[] data, IReadOnlyList<int> shape, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(labels);
        return new(data, null, labels.Length, shape, labels, null, null);
    }

    /// <summary>float32 samples with class labels.</summary>
    public static SampleSet FromFloats(float[] data, IReadOnlyList<int> shape, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(labels);
        return new(null, data, labels.Length, shape, labels, null, null);
    }

    /// <summary>float32 samples with float targets of shape <paramref name="targetShape"/> (regression).</summary>
    public static SampleSet FromFloats(float[] data, IReadOnlyList<int> shape, float[] targets, IReadOnlyList<int> targetShape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(targetShape);
        var width = Product(targetShape);
        if (width <= 0) throw new ArgumentException("The target shape must have positive dimensions.", nameof(targetShape));
        return new(null, data, checked((int)(targets.LongLength / width)), shape, null, targets, targetShape);
    }

    /// <summary>The samples of <paramref name="images"/> (pixels copied, labels widened to int).</summary>
    public static SampleSet FromImageSet(ImageSet images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var labels = new int[images.Count];
        for (var i = 0; i < labels.Length; i++) labels[i] = images.Label(i);
        return new(images.Pixels.ToArray(), null, images.Count, [images.Channels, images.Height, images.Width], labels, null, null);
    }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>The shape of one sample, e.g. (C, H, W) for images or (F) for tabular rows.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Elements per sample: the product of <see cref="Shape"/>.</summary>
    public int SampleSize { get; }

    /// <summary>How samples are stored.</summary>
    public SampleElement Element => _bytes is not null ? SampleElement.Byte : SampleElement.Float32;

    /// <summary>Whether the labels are class indices (else float targets).</summary>
    public bool HasClassLabels => _labels is not null;

    /// <summary>The shape of one regression target; null for class labels.</summary>
    public IReadOnlyList<int>? TargetShape { get; }

    /// <summary>Floats per target: the product of <see cref="TargetShape"/>; 0 for class labels.</summary>
    public int TargetSize { get; }

    /// <summary>Sample <paramref name="index"/> of a byte set.</summary>
    public ReadOnlySpan<byte> ByteSample(int index) =>
        (_bytes ?? throw new InvalidOperationException("The samples are float32, not bytes.")).AsSpan(checked(index * SampleSize), SampleSize);

    /// <summary>Sample <paramref name="index"/> of a float32 set.</summary>
    public ReadOnlySpan<float> FloatSample(int index) =>
        (_floats ?? throw new InvalidOperationException("The samples are bytes, not float32.")).AsSpan(checked(index * SampleSize), SampleSize);

    /// <summary>The class index of sample <paramref name="index"/>.</summary>
    public int Label(int index) => (_labels ?? throw new InvalidOperationException("The set has regression targets, not class labels."))[index];

    /// <summary>The regression target of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Target(int index) =>
        (_targets ?? throw new InvalidOperationException("The set has class labels, not regression targets.")).AsSpan(index * TargetSize, TargetSize);

    /// <summary>All class labels in sample order; empty for a regression set.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>
    /// Checks that every class label lies in 0..<paramref name="classes"/>−1 (the model's output
    /// count); the first that does not is a <see cref="DatasetException"/> naming
    /// <paramref name="where"/> (the file or set) and the record's index.
    /// </summary>
    public void CheckLabels(int classes, string where)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (_labels is null) return;
        for (var i = 0; i < _labels.Length; i++)
            if ((uint)_labels[i] >= (uint)classes)
                throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                    $"{where}: record {i} has label {_labels[i]}, outside 0..{classes - 1} (the model has {classes} outputs)."));
    }

    /// <summary>
    /// This set as an <see cref="ImageSet"/> (for <see cref="BatchLoader"/>'s image path): byte
    /// samples of shape (C, H, W) with labels 0–255. The pixels are shared, not copied.
    /// </summary>
    public ImageSet ToImageSet()
    {
        if (_bytes is null || Shape.Count != 3 || _labels is null)
            throw new InvalidOperationException($"Only byte samples of shape (C, H, W) with class labels make an ImageSet; these are {Element} [{Format(Shape)}].");
        var labels = new byte[Count];
        for (var i = 0; i < Count; i++)
        {
            if ((uint)_labels[i] > 255) throw new InvalidOperationException($"Label {_labels[i]} of sample {i} does not fit a byte.");
            labels[i] = (byte)_labels[i];
        }
        return new ImageSet(_bytes, labels, Shape[0], Shape[1], Shape[2]);
    }

    /// <summary>A copy holding the samples at <paramref name="indices"/>, in that order.</summary>
    public SampleSet Subset(ReadOnlySpan<int> indices)
    {
        var size = SampleSize;
        byte[]? bytes = _bytes is null ? null : new byte[(long)indices.Length * size];
        float[]? floats = _floats is null ? null : new float[(long)indices.Length * size];
        int[]? labels = _labels is null ? null : new int[indices.Length];
        float[]? targets = _targets is null ? null : new float[(long)indices.Length * TargetSize];
        for (var i = 0; i < indices.Length; i++)
        {
            var j = indices[i];
            if (bytes is not null) ByteSample(j).CopyTo(bytes.AsSpan(i * size, size));
            if (floats is not null) FloatSample(j).CopyTo(floats.AsSpan(i * size, size));
            if (labels is not null) labels[i] = _labels![j];
            if (targets is not null) Target(j).CopyTo(targets.AsSpan(i * TargetSize, TargetSize));
        }
        return new(bytes, floats, indices.Length, Shape, labels, targets, TargetShape);
    }

    /// <summary>The same samples and labels with new byte data of shape <paramref name="shape"/> (used by <see cref="InputFit"/>).</summary>
    internal SampleSet WithBytes(byte[] data, IReadOnlyList<int> shape) => new(data, null, Count, shape, _labels, _targets, TargetShape);

    /// <summary>The same samples and labels, reshaped (same element count per sample).</summary>
    internal SampleSet Reshaped(IReadOnlyList<int> shape) => new(_bytes, _floats, Count, shape, _labels, _targets, TargetShape);

    internal static long Product(IReadOnlyList<int> shape)
    {
        long p = 1;
        foreach (var d in shape) p *= d;
        return p;
    }

    internal static string Format(IReadOnlyList<int> shape) => string.Join("×", shape);
}
