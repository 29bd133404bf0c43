using System.Buffers.Binary;

namespace Neq.Train.TensorBoard;

/// <summary>
/// TFRecord framing, the container of TensorBoard event files: per record a uint64 little-endian length,
/// the masked CRC-32C of those 8 bytes (uint32 LE), the data, and the masked CRC-32C of the data.
/// </summary>
public static class TfRecord
{
    /// <summary>Bytes a record adds around its data: length 8, length CRC 4, data CRC 4.</summary>
    public const int Overhead = 16;

    /// <summary>Writes <paramref name="data"/> as one record.</summary>
    public static void Write(Stream stream, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Masked(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Masked(data));
        stream.Write(header);
        stream.Write(data);
        stream.Write(footer);
    }
}
