namespace Neq.Onnx.Data;

/// <summary>
/// Labelled images kept as bytes, the way CIFAR stores them: image i is
/// <see cref="ImageBytes"/> bytes in channel-major order (C planes of H rows of W pixels), and its
/// label is one byte. Conversion to float happens per batch (<see cref="BatchLoader"/>), so a
/// training set of 50,000 CIFAR images holds 150 MB rather than 600 MB.
/// </summary>
public sealed class ImageSet
{
    readonly byte[] _pixels;
    readonly byte[] _labels;

    /// <summary>
    /// Wraps pixel and label arrays without copying them. <paramref name="pixels"/> must hold
    /// exactly <c>labels.Length · channels · height · width</c> bytes.
    /// </summary>
    public ImageSet(byte[] pixels, byte[] labels, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        var expected = (long)labels.Length * channels * height * width;
        if (pixels.LongLength != expected)
            throw new ArgumentException(
                $"{labels.Length} images of {channels}×{height}×{width} need {expected} pixel bytes, got {pixels.LongLength}.",
                nameof(pixels));
        (_pixels, _labels, Channels, Height, Width) = (pixels, labels, channels, height, width);
    }

    /// <summary>Number of images.</summary>
    public int Count => _labels.Length;

    /// <summary>Colour planes per image (3 for CIFAR).</summary>
    public int Channels { get; }

    /// <summary>Rows per plane.</summary>
    public int Height { get; }

    /// <summary>Pixels per row.</summary>
    public int Width { get; }

    /// <summary>Bytes per image: Channels · Height · Width.</summary>
    public int ImageBytes => Channels * Height * Width;

    /// <summary>The pixels of image <paramref name="index"/>, channel-major (C, H, W).</summary>
    public ReadOnlySpan<byte> Image(int index) => _pixels.AsSpan(checked(index * ImageBytes), ImageBytes);

    /// <summary>The label of image <paramref name="index"/>.</summary>
    public byte Label(int index) => _labels[index];

    /// <summary>All labels, in image order.</summary>
    public ReadOnlySpan<byte> Labels => _labels;

    /// <summary>All pixels, image after image.</summary>
    public ReadOnlySpan<byte> Pixels => _pixels;

    /// <summary>A copy holding the images at <paramref name="indices"/>, in that order.</summary>
    public ImageSet Subset(ReadOnlySpan<int> indices)
    {
        var size = ImageBytes;
        var pixels = new byte[(long)indices.Length * size];
        var labels = new byte[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * size, size));
            labels[i] = _labels[indices[i]];
        }
        return new ImageSet(pixels, labels, Channels, Height, Width);
    }
}
