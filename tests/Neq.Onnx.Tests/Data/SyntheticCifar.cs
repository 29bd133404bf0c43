using System.Formats.Tar;
using System.IO.Compression;

namespace Neq.Onnx.Tests.Data;

/// <summary>
/// Writes tiny data sets in CIFAR-10's binary layout (label byte + 3×32×32 planes per record),
/// written here independently of the reader so a round trip checks it.
/// </summary>
internal static class SyntheticCifar
{
    public const int RecordBytes = 3073;
    public static readonly string[] Files =
        ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];

    /// <summary>Record r of file f: label (f·7 + r) mod 10, pixel j = (f·131 + r·17 + j·3) mod 256.</summary>
    public static byte[] File(int fileIndex, int records)
    {
        var bytes = new byte[records * RecordBytes];
        for (var r = 0; r < records; r++)
        {
            bytes[r * RecordBytes] = (byte)((fileIndex * 7 + r) % 10);
            for (var j = 0; j < 3072; j++) bytes[r * RecordBytes + 1 + j] = (byte)((fileIndex * 131 + r * 17 + j * 3) % 256);
        }
        return bytes;
    }

    public static byte ExpectedLabel(int fileIndex, int record) => (byte)((fileIndex * 7 + record) % 10);

    public static byte ExpectedPixel(int fileIndex, int record, int j) => (byte)((fileIndex * 131 + record * 17 + j * 3) % 256);

    /// <summary>Writes the six .bin files into <paramref name="folder"/>; <paramref name="edit"/> may change any file's bytes first.</summary>
    public static void WriteFolder(string folder, int records, Func<string, byte[], byte[]?>? edit = null)
    {
        Directory.CreateDirectory(folder);
        for (var f = 0; f < Files.Length; f++)
        {
            var bytes = File(f, records);
            if (edit is not null) bytes = edit(Files[f], bytes)!;
            if (bytes is not null) System.IO.File.WriteAllBytes(Path.Combine(folder, Files[f]), bytes);
        }
    }

    /// <summary>Writes a .tar.gz with members cifar-10-batches-bin/&lt;file&gt; (and batches.meta.txt first); <paramref name="edit"/> returning null drops a member.</summary>
    public static void WriteArchive(string path, int records, Func<string, byte[], byte[]?>? edit = null)
    {
        using var file = System.IO.File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Ustar);
        tar.WriteEntry(new UstarTarEntry(TarEntryType.Directory, "cifar-10-batches-bin/"));
        var meta = new UstarTarEntry(TarEntryType.RegularFile, "cifar-10-batches-bin/batches.meta.txt")
        {
            DataStream = new MemoryStream("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n"u8.ToArray()),
        };
        tar.WriteEntry(meta);
        for (var f = 0; f < Files.Length; f++)
        {
            var bytes = File(f, records);
            if (edit is not null) bytes = edit(Files[f], bytes)!;
            if (bytes is null) continue;
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "cifar-10-batches-bin/" + Files[f]) { DataStream = new MemoryStream(bytes) });
        }
    }
}
