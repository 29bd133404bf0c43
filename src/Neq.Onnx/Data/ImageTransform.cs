namespace Neq.Onnx.Data;

/// <summary>
/// Turns byte images (C, H, W) into normalised float32 images of the same shape, optionally
/// cropped and flipped first. A 256-entry table per channel holds every normalised value, so a
/// pixel costs one look-up and the results are bit-identical to computing
/// <see cref="ImageNormalization.Apply"/> per pixel.
/// </summary>
public sealed class ImageTransform
{
    readonly float[] _table;

    /// <summary>Prepares the tables for images of the given shape.</summary>
    /// <param name="channels">Colour planes (the length of the normalisation's mean and std).</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="normalization">Per-channel mean and std on [0, 1].</param>
    /// <param name="padding">Zero padding on each side before a random crop (4 for CIFAR).</param>
    public ImageTransform(int channels, int height, int width, ImageNormalization normalization, int padding = 4)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (normalization.Mean.Count != channels || normalization.Std.Count != channels)
            throw new ArgumentException($"The normalisation has {normalization.Mean.Count} means and {normalization.Std.Count} stds for {channels} channels.", nameof(normalization));
        for (var c = 0; c < channels; c++)
            if (!(normalization.Std[c] > 0)) throw new ArgumentException($"Std of channel {c} is {normalization.Std[c]}; it must be positive.", nameof(normalization));
        (Channels, Height, Width, Padding) = (channels, height, width, padding);
        _table = new float[channels * 256];
        for (var c = 0; c < channels; c++)
            for (var b = 0; b < 256; b++)
                _table[c * 256 + b] = normalization.Apply(c, (byte)b);
    }

    /// <summary>Colour planes.</summary>
    public int Channels { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Zero padding on each side for <see cref="Apply"/>'s crop window.</summary>
    public int Padding { get; }

    /// <summary>Floats in one output image: C · H · W.</summary>
    public int ImageFloats => Channels * Height * Width;

    /// <summary>Normalises <paramref name="image"/> (C·H·W bytes) into <paramref name="destination"/> (C·H·W floats).</summary>
    public void Normalize(ReadOnlySpan<byte> image, Span<float> destination) => Apply(image, CropFlip.None(Padding), destination);

    /// <summary>
    /// Pads <paramref name="image"/> with <see cref="Padding"/> zero pixels on each side, takes the
    /// H×W window at (<see cref="CropFlip.Top"/>, <see cref="CropFlip.Left"/>), mirrors it if
    /// <see cref="CropFlip.Flip"/>, and normalises it. Padding is zero before normalisation (as
    /// torchvision pads the PIL image), so padded pixels become −mean_c / std_c:
    /// out[c, y, x] = norm_c(padded[c, y + Top, x' + Left]) with x' = W − 1 − x when flipped, else x.
    /// </summary>
    public void Apply(ReadOnlySpan<byte> image, CropFlip crop, Span<float> destination)
    {
        int h = Height, w = Width, plane = h * w, p = Padding;
        if (image.Length != ImageFloats) throw new ArgumentException($"Expected {ImageFloats} bytes, got {image.Length}.", nameof(image));
        if (destination.Length < ImageFloats) throw new ArgumentException($"Expected room for {ImageFloats} floats, got {destination.Length}.", nameof(destination));
        if ((uint)crop.Top > 2u * (uint)p || (uint)crop.Left > 2u * (uint)p)
            throw new ArgumentOutOfRangeException(nameof(crop), crop, $"Crop offsets must be within 0..{2 * p}.");
        for (var c = 0; c < Channels; c++)
        {
            ReadOnlySpan<float> table = _table.AsSpan(c * 256, 256);
            var zero = table[0];
            var src = image.Slice(c * plane, plane);
            var dst = destination.Slice(c * plane, plane);
            for (var y = 0; y < h; y++)
            {
                var row = dst.Slice(y * w, w);
                var sy = y + crop.Top - p;
                if ((uint)sy >= (uint)h) { row.Fill(zero); continue; }
                var srcRow = src.Slice(sy * w, w);
                // Columns whose source lies inside the image form one run [x0, x1); the rest is padding.
                var shift = crop.Left - p;
                int x0, x1;
                if (crop.Flip) (x0, x1) = (Math.Max(0, shift), Math.Min(w, w + shift));
                else (x0, x1) = (Math.Max(0, -shift), Math.Min(w, w - shift));
                row[..x0].Fill(zero);
                row[x1..].Fill(zero);
                if (crop.Flip)
                    for (var x = x0; x < x1; x++) row[x] = table[srcRow[w - 1 - x + shift]];
                else
                    for (var x = x0; x < x1; x++) row[x] = table[srcRow[x + shift]];
            }
        }
    }
}
