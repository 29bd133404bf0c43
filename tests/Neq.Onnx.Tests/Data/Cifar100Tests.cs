using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Neq.Onnx.Data;

namespace Neq.Onnx.Tests.Data;

public sealed class Cifar100Tests
{
    // Record r of a split: coarse label r % 20, fine label (7r + 3) % 100, pixel j = (r + 3j) mod 256.
    static byte[] Records(int count, Func<int, (int Coarse, int Fine)>? labels = null)
    {
        var bytes = new byte[count * Cifar100.RecordBytes];
        for (var r = 0; r < count; r++)
        {
            var (coarse, fine) = labels?.Invoke(r) ?? (r % 20, (7 * r + 3) % 100);
            bytes[r * Cifar100.RecordBytes] = (byte)coarse;
            bytes[r * Cifar100.RecordBytes + 1] = (byte)fine;
            for (var j = 0; j < 3072; j++) bytes[r * Cifar100.RecordBytes + 2 + j] = (byte)(r + 3 * j);
        }
        return bytes;
    }

    static readonly string[] Fine = Enumerable.Range(0, 100).Select(i => $"fine{i}").ToArray();
    static readonly string[] Coarse = Enumerable.Range(0, 20).Select(i => $"coarse{i}").ToArray();

    static void WriteArchive(string path, byte[] train, byte[] test)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gz, TarEntryFormat.Pax);
        void Add(string name, byte[] data) =>
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "cifar-100-binary/" + name) { DataStream = new MemoryStream(data) });
        Add("coarse_label_names.txt", Encoding.UTF8.GetBytes(string.Join("\n", Coarse) + "\n"));
        Add("fine_label_names.txt", Encoding.UTF8.GetBytes(string.Join("\n", Fine) + "\n"));
        Add("train.bin", train);
        Add("test.bin", test);
    }

    [Fact]
    public void Small_archive_reads_fine_labels_pixels_and_class_names()
    {
        using var tmp = new TempFolder();
        WriteArchive(tmp["cifar-100-binary.tar.gz"], Records(5), Records(3));
        var data = Cifar100.Load(tmp["cifar-100-binary.tar.gz"]);
        Assert.Equal(5, data.Train.Count);
        Assert.Equal(3, data.Test.Count);
        Assert.Equal([3, 32, 32], data.Train.Shape);
        Assert.Equal([3, 10, 17, 24, 31], data.Train.Labels.ToArray());
        Assert.Equal((byte)((4 + 3 * 3071) % 256), data.Train.ByteSample(4)[3071]);
        Assert.Equal((byte)((2 + 3 * 1024) % 256), data.Test.ByteSample(2)[1024]);
        Assert.Equal(Fine, data.ClassNames);
        Assert.Equal(AugmentMode.CropFlip, data.Augment);
        Assert.Equal(0.5071f, data.Normalization!.Mean[0]);
    }

    [Fact]
    public void Coarse_labels_and_the_extracted_folder()
    {
        using var tmp = new TempFolder();
        var folder = Directory.CreateDirectory(tmp["cifar-100-binary"]).FullName;
        File.WriteAllBytes(Path.Combine(folder, "train.bin"), Records(25));
        File.WriteAllBytes(Path.Combine(folder, "test.bin"), Records(2));
        File.WriteAllLines(Path.Combine(folder, "coarse_label_names.txt"), Coarse);
        // The folder holding cifar-100-binary/ resolves to it.
        var data = Cifar100.Load(tmp.Path, Cifar100Labels.Coarse);
        Assert.Equal(Enumerable.Range(0, 25).Select(r => r % 20).ToArray(), data.Train.Labels.ToArray());
        Assert.Equal(Coarse, data.ClassNames);
    }

    [Fact]
    public void Truncated_member_names_the_archive_member_and_the_record()
    {
        using var tmp = new TempFolder();
        WriteArchive(tmp["c.tar.gz"], Records(4)[..^100], Records(1));
        var e = Assert.Throws<DatasetException>(() => Cifar100.Load(tmp["c.tar.gz"]));
        Assert.Contains(tmp["c.tar.gz"], e.Message);
        Assert.Contains("cifar-100-binary/train.bin", e.Message);
        Assert.Contains("record 3 is cut short", e.Message);
    }

    [Fact]
    public void Fine_label_out_of_range_names_the_record()
    {
        using var tmp = new TempFolder();
        WriteArchive(tmp["c.tar.gz"], Records(3), Records(4, r => (0, r == 2 ? 100 : 1)));
        var e = Assert.Throws<DatasetException>(() => Cifar100.Load(tmp["c.tar.gz"]));
        Assert.Contains("test.bin", e.Message);
        Assert.Contains("record 2 has fine label 100", e.Message);
    }

    [Fact]
    public async Task Missing_cache_without_download_says_where_to_put_the_archive()
    {
        using var tmp = new TempFolder();
        var e = await Assert.ThrowsAsync<DatasetException>(() =>
            DatasetCatalog.LoadAsync(new DatasetOptions { Name = "cifar100", CacheDirectory = tmp.Path, AllowDownload = false }));
        Assert.Contains(tmp["cifar-100-binary.tar.gz"], e.Message);
        Assert.Contains(Cifar100.OfficialUrl, e.Message);
    }
}
