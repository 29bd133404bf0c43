using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace Neq.Onnx.Data;

/// <summary>
/// Reads IDX files (LeCun's MNIST format), gzip-compressed or plain (told apart by the gzip magic
/// 1f 8b): a big-endian int32 magic — 0x00000803 for uint8 images [n, rows, cols], 0x00000801
/// for uint8 labels [n] — then the int32 dimensions, then the bytes in C order. A file that ends
/// early is an error naming the file and the first record it lacks.
/// </summary>
public static class Idx
{
    /// <summary>Magic of a uint8 rank-3 array (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic of a uint8 rank-1 array (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an image file: returns the pixels (n·rows·cols bytes) and (n, rows, cols).</summary>
    /// <exception cref="DatasetException">Wrong magic, a bad dimension, or a truncated file.</exception>
    public static (byte[] Pixels, int Count, int Rows, int Cols) ReadImages(string path)
    {
        var (data, dims) = Read(path, ImagesMagic, "images");
        return (data, dims[0], dims[1], dims[2]);
    }

    /// <summary>Reads a label file: n bytes.</summary>
    /// <exception cref="DatasetException">Wrong magic or a truncated file.</exception>
    public static byte[] ReadLabels(string path) => Read(path, LabelsMagic, "labels").Data;

    /// <summary>
    /// Reads an image file and its label file into byte samples of shape (1, rows, cols); the two
    /// counts must agree.
    /// </summary>
    public static SampleSet ReadSet(string imagesPath, string labelsPath)
    {
        var (pixels, count, rows, cols) = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        if (labels.Length != count)
            throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                $"{labelsPath}: {labels.Length:N0} labels, but {imagesPath} has {count:N0} images; the two files must belong together."));
        return SampleSet.FromBytes(pixels, [1, rows, cols], Array.ConvertAll(labels, b => (int)b));
    }

    static (byte[] Data, int[] Dims) Read(string path, int magic, string what)
    {
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> head = stackalloc byte[2];
            var gz = file.ReadAtLeast(head, 2, throwOnEndOfStream: false) == 2 && head[0] == 0x1f && head[1] == 0x8b;
            file.Position = 0;
            using var stream = gz ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            var rank = magic & 0xff;
            Span<byte> header = stackalloc byte[4 + 4 * rank];
            if (stream.ReadAtLeast(header[..4], 4, throwOnEndOfStream: false) < 4)
                throw new DatasetException($"{path}: the file ends inside its header; it is not an IDX {what} file or is truncated.");
            var found = BinaryPrimitives.ReadInt32BigEndian(header);
            if (found != magic)
                throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: magic number 0x{found:x8}, expected 0x{magic:x8} (IDX {what}, uint8, rank {rank}){(gz ? "" : "; if the file is compressed, it is not gzip")}."));
            if (stream.ReadAtLeast(header[4..], 4 * rank, throwOnEndOfStream: false) < 4 * rank)
                throw new DatasetException($"{path}: the file ends inside its header (truncated).");
            var dims = new int[rank];
            long record = 1;
            for (var d = 0; d < rank; d++)
            {
                dims[d] = BinaryPrimitives.ReadInt32BigEndian(header[(4 + 4 * d)..]);
                if (dims[d] < 0 || (d > 0 && dims[d] == 0))
                    throw new DatasetException($"{path}: dimension {d} is {dims[d]}.");
                if (d > 0) record *= dims[d];
            }
            var total = record * dims[0];
            if (total > Array.MaxLength) throw new DatasetException($"{path}: {total:N0} bytes of {what} do not fit one array.");
            var data = new byte[total];
            var read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (read < data.Length)
                throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: truncated: the header announces {dims[0]:N0} {what} but the data ends in record {read / record} (after {read:N0} of {total:N0} bytes)."));
            return (data, dims);
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"{path}: the gzip stream is corrupt ({e.Message}).", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"{path}: cannot read the file ({e.Message}).", e);
        }
    }
}
