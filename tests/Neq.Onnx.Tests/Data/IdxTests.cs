using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using Neq.Onnx.Data;

namespace Neq.Onnx.Tests.Data;

public sealed class IdxTests
{
    static byte[] IdxBytes(int magic, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (var d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    static void WriteGz(string path, byte[] bytes)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(bytes);
    }

    static byte[] Pixels(int count, int rows, int cols) =>
        Enumerable.Range(0, count * rows * cols).Select(i => (byte)(i * 7 % 251)).ToArray();

    [Fact]
    public void Small_plain_and_gzip_files_read_the_same_images_and_labels()
    {
        using var tmp = new TempFolder();
        var pixels = Pixels(3, 4, 5);
        File.WriteAllBytes(tmp["img"], IdxBytes(Idx.ImagesMagic, [3, 4, 5], pixels));
        WriteGz(tmp["img.gz"], IdxBytes(Idx.ImagesMagic, [3, 4, 5], pixels));
        File.WriteAllBytes(tmp["lab"], IdxBytes(Idx.LabelsMagic, [3], [2, 0, 9]));
        foreach (var path in new[] { tmp["img"], tmp["img.gz"] })
        {
            var set = Idx.ReadSet(path, tmp["lab"]);
            Assert.Equal([1, 4, 5], set.Shape);
            Assert.Equal(3, set.Count);
            Assert.Equal([2, 0, 9], set.Labels.ToArray());
            Assert.Equal(pixels.AsSpan(20, 20).ToArray(), set.ByteSample(1).ToArray());
        }
    }

    [Fact]
    public void Truncated_idx_file_is_rejected_naming_the_file_and_record()
    {
        using var tmp = new TempFolder();
        var full = IdxBytes(Idx.ImagesMagic, [3, 4, 5], Pixels(3, 4, 5));
        // 20 bytes per image: cutting 25 bytes leaves image 0 whole and image 1 cut (15 of 20 bytes).
        File.WriteAllBytes(tmp["cut"], full[..^25]);
        WriteGz(tmp["cut.gz"], full[..^25]);
        foreach (var path in new[] { tmp["cut"], tmp["cut.gz"] })
        {
            var e = Assert.Throws<DatasetException>(() => Idx.ReadImages(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("truncated", e.Message);
            Assert.Contains("record 1 ", e.Message);
        }
    }

    [Fact]
    public void Wrong_magic_is_rejected_naming_the_file_and_both_numbers()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp["labels-as-images"], IdxBytes(Idx.LabelsMagic, [3], [1, 2, 3]));
        var e = Assert.Throws<DatasetException>(() => Idx.ReadImages(tmp["labels-as-images"]));
        Assert.Contains(tmp["labels-as-images"], e.Message);
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("0x00000803", e.Message);
    }

    [Fact]
    public void Image_and_label_counts_must_agree()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp["img"], IdxBytes(Idx.ImagesMagic, [3, 4, 5], Pixels(3, 4, 5)));
        File.WriteAllBytes(tmp["lab"], IdxBytes(Idx.LabelsMagic, [2], [1, 2]));
        var e = Assert.Throws<DatasetException>(() => Idx.ReadSet(tmp["img"], tmp["lab"]));
        Assert.Contains(tmp["lab"], e.Message);
        Assert.Contains("2 labels", e.Message);
        Assert.Contains("3 images", e.Message);
    }

    [Fact]
    public async Task A_missing_file_without_download_names_the_file_and_where_to_get_it()
    {
        using var tmp = new TempFolder();
        var e = await Assert.ThrowsAsync<DatasetException>(() =>
            IdxDatasets.LoadAsync(IdxDatasets.Mnist, new DatasetOptions { Name = "mnist", CacheDirectory = tmp.Path, AllowDownload = false }));
        Assert.Contains(Path.Combine(tmp.Path, "mnist", "train-images-idx3-ubyte.gz"), e.Message);
        Assert.Contains("f68b3c2dcbeaaa9fbdd348bbdeb94873", e.Message);
    }

    [SharedDataFact("mnist")]
    public void Shared_mnist_files_have_the_published_md5s() => AssertMd5s(IdxDatasets.Mnist, "mnist");

    [SharedDataFact("fashion-mnist")]
    public void Shared_fashion_mnist_files_have_the_published_md5s() => AssertMd5s(IdxDatasets.FashionMnist, "fashion-mnist");

    static void AssertMd5s(IdxDatasetInfo info, string folder)
    {
        foreach (var (file, md5) in info.Files)
            Assert.Equal(md5, Convert.ToHexStringLower(MD5.HashData(File.ReadAllBytes(Path.Combine(RepoPaths.SharedData(folder), file)))));
    }

    [SharedDataFact("mnist")]
    public async Task Real_mnist_has_60000_and_10000_images_and_the_known_first_labels()
    {
        var folder = RepoPaths.SharedData("mnist");
        var data = await DatasetCatalog.LoadAsync(new DatasetOptions { Name = "mnist", DataPath = folder, AllowDownload = false });
        Assert.Equal(60000, data.Train.Count);
        Assert.Equal(10000, data.Test.Count);
        Assert.Equal([1, 28, 28], data.Train.Shape);
        // The first labels are well known (and listed in the folder's README).
        Assert.Equal([5, 0, 4, 1, 9, 2, 1, 3, 1, 4], data.Train.Labels[..10].ToArray());
        Assert.Equal([7, 2, 1, 0, 4, 1, 4, 9, 5, 9], data.Test.Labels[..10].ToArray());
        // Independent check of the pixels: decompress by hand and skip the 16-byte header.
        using var gz = new GZipStream(File.OpenRead(Path.Combine(folder, "t10k-images-idx3-ubyte.gz")), CompressionMode.Decompress);
        var raw = new byte[16 + 2 * 784];
        gz.ReadExactly(raw);
        Assert.Equal(raw.AsSpan(16 + 784, 784).ToArray(), data.Test.ByteSample(1).ToArray());
        // The default normalisation is the training pixels' mean and std to four places.
        var (mean, std) = MeanStd(data.Train);
        Assert.Equal(0.1307, mean, 4);
        Assert.Equal(0.3081, std, 4);
        Assert.Equal(0.1307f, data.Normalization!.Mean[0]);
    }

    [SharedDataFact("fashion-mnist")]
    public async Task Real_fashion_mnist_has_the_known_first_labels_and_normalisation()
    {
        var data = await DatasetCatalog.LoadAsync(new DatasetOptions { Name = "fashion-mnist", DataPath = RepoPaths.SharedData("fashion-mnist"), AllowDownload = false });
        Assert.Equal(60000, data.Train.Count);
        Assert.Equal(10000, data.Test.Count);
        Assert.Equal([9, 0, 0, 3, 0, 2, 7, 2, 5, 5], data.Train.Labels[..10].ToArray());
        Assert.Equal([9, 2, 1, 1, 6, 1, 4, 6, 5, 7], data.Test.Labels[..10].ToArray());
        Assert.Equal("Ankle boot", data.ClassNames![9]);
        var (mean, std) = MeanStd(data.Train);
        Assert.Equal(0.2860, mean, 4);
        Assert.Equal(0.3530, std, 4);
        Assert.Equal(AugmentMode.None, data.Augment);
    }

    static (double Mean, double Std) MeanStd(SampleSet set)
    {
        double sum = 0, sq = 0;
        long n = 0;
        for (var i = 0; i < set.Count; i++)
            foreach (var b in set.ByteSample(i)) { var v = b / 255.0; sum += v; sq += v * v; n++; }
        var mean = sum / n;
        return (mean, Math.Sqrt(sq / n - mean * mean));
    }
}
