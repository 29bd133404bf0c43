using SkiaSharp;

namespace Neq.Onnx.Data;

/// <summary>
/// Image decoding and resizing through SkiaSharp. Downscaling samples with linear filtering over
/// mipmaps (so a large photo does not alias); upscaling uses the Mitchell cubic filter.
/// </summary>
internal static class ImageResampler
{
    static SKSamplingOptions Sampling(int fromH, int fromW, int toH, int toW) =>
        toH < fromH || toW < fromW
            ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
            : new SKSamplingOptions(SKCubicResampler.Mitchell);

    /// <summary>
    /// Resizes a channel-major byte image (C, H, W) to (C, <paramref name="toH"/>, <paramref name="toW"/>),
    /// each plane on its own as an 8-bit grey bitmap.
    /// </summary>
    public static void ResizePlanes(ReadOnlySpan<byte> image, int channels, int h, int w, int toH, int toW, Span<byte> destination)
    {
        var sampling = Sampling(h, w, toH, toW);
        using var src = new SKBitmap(new SKImageInfo(w, h, SKColorType.Gray8, SKAlphaType.Opaque));
        using var dst = new SKBitmap(new SKImageInfo(toW, toH, SKColorType.Gray8, SKAlphaType.Opaque));
        for (var c = 0; c < channels; c++)
        {
            CopyRows(image.Slice(c * h * w, h * w), src, w, h);
            if (!src.ScalePixels(dst, sampling)) throw new InvalidOperationException("SkiaSharp could not scale a grey plane.");
            var pixels = dst.GetPixelSpan();
            for (var y = 0; y < toH; y++)
                pixels.Slice(y * dst.RowBytes, toW).CopyTo(destination.Slice(c * toH * toW + y * toW, toW));
        }
    }

    /// <summary>
    /// Decodes an image file (PNG, JPEG, BMP, WebP …) and returns it as (C, H, W) bytes at the
    /// given size: C = 3 gives R, G, B (alpha dropped, as PIL's convert("RGB") does); C = 1 gives
    /// luma with PIL's convert("L") integer weights (299, 587, 114)/1000. Null when the file
    /// cannot be decoded.
    /// </summary>
    public static byte[]? Decode(string path, int channels, int toH, int toW)
    {
        using var codec = SKCodec.Create(path);
        if (codec is null) return null;
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var decoded = new SKBitmap(info);
        var result = codec.GetPixels(info, decoded.GetPixels());
        // A truncated file decodes partly (IncompleteInput); that is a corrupt image here, not a grey one.
        if (result != SKCodecResult.Success) return null;
        var bitmap = decoded;
        SKBitmap? scaled = null;
        try
        {
            if (info.Width != toW || info.Height != toH)
            {
                scaled = new SKBitmap(new SKImageInfo(toW, toH, SKColorType.Rgba8888, SKAlphaType.Unpremul));
                if (!decoded.ScalePixels(scaled, Sampling(info.Height, info.Width, toH, toW))) return null;
                bitmap = scaled;
            }
            var pixels = bitmap.GetPixelSpan();
            var plane = toH * toW;
            var output = new byte[channels * plane];
            for (var y = 0; y < toH; y++)
                for (var x = 0; x < toW; x++)
                {
                    var p = pixels.Slice(y * bitmap.RowBytes + 4 * x, 4);
                    var i = y * toW + x;
                    if (channels == 3) (output[i], output[plane + i], output[2 * plane + i]) = (p[0], p[1], p[2]);
                    else output[i] = (byte)((p[0] * 19595 + p[1] * 38470 + p[2] * 7471 + 0x8000) >> 16);
                }
            return output;
        }
        finally { scaled?.Dispose(); }
    }

    static void CopyRows(ReadOnlySpan<byte> plane, SKBitmap bitmap, int w, int h)
    {
        var pixels = bitmap.GetPixelSpan();
        // GetPixelSpan is read-only by type; the bitmap owns writable memory, so write through it.
        var writable = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(pixels), pixels.Length);
        for (var y = 0; y < h; y++) plane.Slice(y * w, w).CopyTo(writable.Slice(y * bitmap.RowBytes, w));
    }
}
