namespace Neq.Onnx.Tests.TensorBoard;

/// <summary>
/// Reads TFRecord files independently of the writer: its own bit-at-a-time CRC-32C (no table, no
/// intrinsic) and its own little-endian decoding. Every record's length and data CRCs must verify;
/// a file that ends inside a record is an error naming the file and the record.
/// </summary>
static class EventFileReader
{
    /// <summary>CRC-32C one bit at a time: reflected Castagnoli polynomial 0x82F63B78, init and final XOR all ones (RFC 3720 B.4).</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
        }
        return ~crc;
    }

    /// <summary>TensorFlow's mask (crc32c.h): rotate right 15, add 0xa282ead8.</summary>
    public static uint Masked(ReadOnlySpan<byte> data)
    {
        var crc = Crc32C(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }

    /// <summary>The data of every record in <paramref name="path"/>.</summary>
    public static List<byte[]> Records(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<byte[]>();
        for (var at = 0; at < bytes.Length;)
        {
            var n = records.Count;
            Need(bytes, at, 12, path, n, "header");
            ulong length = 0;
            for (var i = 7; i >= 0; i--) length = (length << 8) | bytes[at + i];
            Check(Masked(bytes.AsSpan(at, 8)), U32(bytes, at + 8), path, n, "length");
            at += 12;
            if (length > int.MaxValue) throw new InvalidDataException($"{path}: record {n} claims {length} bytes.");
            Need(bytes, at, (int)length + 4, path, n, "data");
            var data = bytes.AsSpan(at, (int)length).ToArray();
            Check(Masked(data), U32(bytes, at + (int)length), path, n, "data");
            records.Add(data);
            at += (int)length + 4;
        }
        return records;
    }

    static uint U32(byte[] b, int at) => (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24);

    static void Need(byte[] bytes, int at, int count, string path, int record, string what)
    {
        if (bytes.Length - at < count) throw new InvalidDataException($"{path}: truncated in record {record}'s {what} ({bytes.Length - at} of {count} bytes).");
    }

    static void Check(uint computed, uint stored, string path, int record, string what)
    {
        if (computed != stored) throw new InvalidDataException($"{path}: record {record}'s {what} CRC is 0x{stored:x8}, computed 0x{computed:x8}.");
    }
}
