using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;

namespace Neq.Train.TensorBoard;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF), the
/// checksum of TFRecord framing. SSE4.2's <c>crc32</c> instruction computes exactly this polynomial, so
/// it is used where present; a table-driven loop gives the same value everywhere else.
/// </summary>
public static class Crc32C
{
    const uint Polynomial = 0x82F63B78;
    static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32C of <paramref name="data"/> (0 for empty input).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~(Sse42.IsSupported ? Hardware(~0u, data) : Software(~0u, data));

    /// <summary>The same CRC by the table-driven path only (the fallback, exposed so tests cover it on SSE4.2 machines).</summary>
    public static uint ComputeInSoftware(ReadOnlySpan<byte> data) => ~Software(~0u, data);

    /// <summary>
    /// TFRecord's masked CRC: rotate right by 15 and add a constant, so a CRC stored next to the data it
    /// covers does not make the CRC of the whole trivially predictable (TensorFlow's crc32c.h, Mask).
    /// </summary>
    public static uint Masked(ReadOnlySpan<byte> data)
    {
        var crc = Compute(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8;
    }

    static uint Hardware(uint crc, ReadOnlySpan<byte> data)
    {
        if (Sse42.X64.IsSupported)
            for (; data.Length >= 8; data = data[8..])
                crc = (uint)Sse42.X64.Crc32(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
        foreach (var b in data) crc = Sse42.Crc32(crc, b);
        return crc;
    }

    static uint Software(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ Polynomial : c >> 1;
            table[i] = c;
        }
        return table;
    }
}
