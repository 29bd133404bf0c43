using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Neq.Onnx.Data;

/// <summary>
/// One array in NumPy's .npy format (numpy.lib.format, versions 1.0, 2.0 and 3.0): the magic
/// <c>\x93NUMPY</c>, a version, a little-endian header length (2 bytes in 1.0, 4 in 2.0/3.0), a
/// Python dict literal with <c>'descr'</c>, <c>'fortran_order'</c> and <c>'shape'</c>, then the raw
/// data in C order. Only plain little-endian numbers are accepted (<c>&lt;f4 &lt;f8 |u1 &lt;i4 &lt;i8</c>);
/// object arrays (which NumPy stores as pickles), structured dtypes, big-endian data and Fortran
/// order are rejected — nothing is ever unpickled.
/// </summary>
public sealed partial class NpyArray
{
    static readonly string[] Supported = ["<f4", "<f8", "|u1", "<i4", "<i8"];

    NpyArray(string descr, int[] shape, byte[] data) => (Descr, Shape, Data) = (descr, shape, data);

    /// <summary>The dtype as written in the header, e.g. <c>&lt;f4</c>.</summary>
    public string Descr { get; }

    /// <summary>The array's shape (empty for a scalar).</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The raw little-endian data, C order.</summary>
    public byte[] Data { get; }

    /// <summary>Elements: the product of <see cref="Shape"/>.</summary>
    public long Length => SampleSet.Product(Shape);

    /// <summary>Whether the dtype is an integer type (class labels).</summary>
    public bool IsInteger => Descr is "|u1" or "<i4" or "<i8";

    /// <summary>
    /// Parses an array from <paramref name="stream"/>; <paramref name="where"/> names it in errors
    /// (e.g. "data.npz: array x_train").
    /// </summary>
    /// <exception cref="DatasetException">Not a .npy array, an unsupported dtype or order, or truncated data.</exception>
    public static NpyArray Read(Stream stream, string where)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> pre = stackalloc byte[8];
        var got = stream.ReadAtLeast(pre, 8, throwOnEndOfStream: false);
        if (got < 8 || pre[0] != 0x93 || !pre[1..6].SequenceEqual("NUMPY"u8))
            throw new DatasetException(got > 0 && pre[0] == 0x80
                ? $"{where}: a Python pickle, not a .npy array; pickles are never loaded (save plain numeric arrays with numpy.savez)."
                : $"{where}: not a .npy array (no \\x93NUMPY magic).");
        var major = pre[6];
        if (major is not (1 or 2 or 3)) throw new DatasetException($"{where}: .npy format version {major}.{pre[7]}; versions 1.0, 2.0 and 3.0 are supported.");
        var lengthBytes = major == 1 ? 2 : 4;
        Span<byte> len = stackalloc byte[4];
        if (stream.ReadAtLeast(len[..lengthBytes], lengthBytes, throwOnEndOfStream: false) < lengthBytes)
            throw new DatasetException($"{where}: truncated inside the .npy header.");
        var headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(len) : BinaryPrimitives.ReadUInt32LittleEndian(len);
        if (headerLength > 1 << 20) throw new DatasetException($"{where}: a .npy header of {headerLength} bytes; this is not a plain array.");
        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false) < headerBytes.Length)
            throw new DatasetException($"{where}: truncated inside the .npy header.");
        // Version 3.0 differs from 2.0 only in allowing UTF-8 in the header.
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        var descrMatch = DescrPattern().Match(header);
        if (!descrMatch.Success)
            throw new DatasetException(header.Contains("'descr': [", StringComparison.Ordinal)
                ? $"{where}: a structured dtype; only plain numeric arrays are supported ({string.Join(", ", Supported)})."
                : $"{where}: the .npy header has no 'descr' ({header.Trim()}).");
        var descr = descrMatch.Groups[1].Value;
        if (descr is "|O" or "<O" or ">O")
            throw new DatasetException($"{where}: an object array (dtype {descr}), which NumPy stores as a pickle; pickles are never loaded. Save a numeric array (float32, float64, uint8, int32 or int64).");
        if (descr.StartsWith('>'))
            throw new DatasetException($"{where}: big-endian dtype {descr}; save it little-endian (e.g. arr.astype('<f4')).");
        if (Array.IndexOf(Supported, descr) < 0)
            throw new DatasetException($"{where}: dtype {descr} is not supported; use one of {string.Join(", ", Supported)}.");
        var fortran = FortranPattern().Match(header);
        if (!fortran.Success) throw new DatasetException($"{where}: the .npy header has no 'fortran_order'.");
        if (fortran.Groups[1].Value == "True")
            throw new DatasetException($"{where}: stored in Fortran order; save it in C order (numpy.ascontiguousarray).");
        var shapeMatch = ShapePattern().Match(header);
        if (!shapeMatch.Success) throw new DatasetException($"{where}: the .npy header has no 'shape'.");
        var shape = new List<int>();
        foreach (var part in shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out var d))
                throw new DatasetException($"{where}: shape entry '{part}' is not a non-negative int32.");
            shape.Add(d);
        }

        var count = SampleSet.Product(shape);
        var itemSize = descr[2] - '0';
        var bytes = count * itemSize;
        if (bytes > Array.MaxLength) throw new DatasetException($"{where}: {bytes:N0} bytes do not fit one array.");
        var data = new byte[bytes];
        var read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
        {
            var rowBytes = shape.Count > 1 ? SampleSet.Product(shape.Skip(1).ToArray()) * itemSize : itemSize;
            throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                $"{where}: truncated: shape ({string.Join(", ", shape)}) needs {bytes:N0} data bytes, the array ends after {read:N0}, in record {read / Math.Max(1, rowBytes)}."));
        }
        return new NpyArray(descr, shape.ToArray(), data);
    }

    /// <summary>The elements as float32 (float64 rounded, integers converted).</summary>
    public float[] ToFloats()
    {
        var n = checked((int)Length);
        var result = new float[n];
        var d = Data.AsSpan();
        switch (Descr)
        {
            case "<f4": for (var i = 0; i < n; i++) result[i] = BinaryPrimitives.ReadSingleLittleEndian(d[(4 * i)..]); break;
            case "<f8": for (var i = 0; i < n; i++) result[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(d[(8 * i)..]); break;
            case "|u1": for (var i = 0; i < n; i++) result[i] = d[i]; break;
            case "<i4": for (var i = 0; i < n; i++) result[i] = BinaryPrimitives.ReadInt32LittleEndian(d[(4 * i)..]); break;
            default: for (var i = 0; i < n; i++) result[i] = BinaryPrimitives.ReadInt64LittleEndian(d[(8 * i)..]); break;
        }
        return result;
    }

    /// <summary>
    /// The elements as class indices; a value that is negative or beyond int32 is an error naming
    /// <paramref name="where"/> and its index.
    /// </summary>
    public int[] ToLabels(string where)
    {
        if (!IsInteger) throw new DatasetException($"{where}: dtype {Descr}; class labels must be integers.");
        var n = checked((int)Length);
        var result = new int[n];
        var d = Data.AsSpan();
        for (var i = 0; i < n; i++)
        {
            long v = Descr switch
            {
                "|u1" => d[i],
                "<i4" => BinaryPrimitives.ReadInt32LittleEndian(d[(4 * i)..]),
                _ => BinaryPrimitives.ReadInt64LittleEndian(d[(8 * i)..]),
            };
            if (v < 0 || v > int.MaxValue)
                throw new DatasetException(string.Create(CultureInfo.InvariantCulture, $"{where}: record {i} has label {v}; class labels are 0 or more."));
            result[i] = (int)v;
        }
        return result;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
