using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Neq.Onnx.Tests.Data;

/// <summary>
/// Writes .npy bytes by hand, as numpy.lib.format does: magic, version, little-endian header
/// length, the header dict padded with spaces and a newline so the data starts at a multiple of 64.
/// </summary>
internal static class NpyWriter
{
    public static byte[] Npy(string descr, int[] shape, byte[] data, bool fortran = false, int major = 1)
    {
        var dims = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        var dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {dims}, }}";
        var pre = major == 1 ? 10 : 12;
        var total = (pre + dict.Length + 1 + 63) / 64 * 64;
        var header = dict.PadRight(total - pre - 1) + "\n";
        var bytes = new byte[total + data.Length];
        bytes[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY").CopyTo(bytes, 1);
        bytes[6] = (byte)major;
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)header.Length);
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, pre);
        data.CopyTo(bytes, total);
        return bytes;
    }

    public static byte[] F4(params float[] values)
    {
        var b = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    public static byte[] F8(params double[] values)
    {
        var b = new byte[8 * values.Length];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(8 * i), values[i]);
        return b;
    }

    public static byte[] I8(params long[] values)
    {
        var b = new byte[8 * values.Length];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(8 * i), values[i]);
        return b;
    }

    public static byte[] I4(params int[] values)
    {
        var b = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    /// <summary>Writes an .npz (zip) with the given members (name without .npy → bytes).</summary>
    public static void WriteNpz(string path, IEnumerable<(string Name, byte[] Bytes)> members)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in members)
        {
            using var s = zip.CreateEntry(name + ".npy", CompressionLevel.Optimal).Open();
            s.Write(bytes);
        }
    }
}
