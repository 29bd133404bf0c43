using System.Diagnostics;
using Neq.Onnx.Data;
using Xunit.Abstractions;

namespace Neq.Onnx.Tests.Data;

public sealed class Cifar10Tests(ITestOutputHelper output)
{
    // Tiny files: 7 records each, same record layout, so the reader's checks run on small data.
    const int Records = 7;
    static readonly Cifar10Layout Tiny = new(Records);

    static void AssertSynthetic(Cifar10Data data)
    {
        Assert.Equal(5 * Records, data.Train.Count);
        Assert.Equal(Records, data.Test.Count);
        for (var f = 0; f < 6; f++)
            for (var r = 0; r < Records; r++)
            {
                var (set, index) = f < 5 ? (data.Train, f * Records + r) : (data.Test, r);
                Assert.Equal(SyntheticCifar.ExpectedLabel(f, r), set.Label(index));
                var image = set.Image(index);
                for (var j = 0; j < 3072; j += 97) Assert.Equal(SyntheticCifar.ExpectedPixel(f, r, j), image[j]);
                Assert.Equal(SyntheticCifar.ExpectedPixel(f, r, 3071), image[3071]);
            }
    }

    [Fact]
    public void Reads_the_extracted_folder()
    {
        using var tmp = new TempFolder();
        var folder = tmp["cifar-10-batches-bin"];
        SyntheticCifar.WriteFolder(folder, Records);
        AssertSynthetic(Cifar10.Load(folder, Tiny));
        // The folder that holds cifar-10-batches-bin works too.
        AssertSynthetic(Cifar10.Load(tmp.Path, Tiny));
    }

    [Fact]
    public void Reads_the_archive()
    {
        using var tmp = new TempFolder();
        var archive = tmp["cifar-10-binary.tar.gz"];
        SyntheticCifar.WriteArchive(archive, Records);
        var data = Cifar10.Load(archive, Tiny);
        AssertSynthetic(data);
        Assert.Equal(archive, data.Source);
        // A folder holding only the archive is resolved to it.
        AssertSynthetic(Cifar10.Load(tmp.Path, Tiny));
    }

    [Fact]
    public void Wrong_file_size_names_the_file()
    {
        using var tmp = new TempFolder();
        SyntheticCifar.WriteFolder(tmp.Path, Records, (name, b) => name == "data_batch_4.bin" ? b[..^100] : b);
        var e = Assert.Throws<DatasetException>(() => Cifar10.Load(tmp.Path, Tiny));
        Assert.Contains(Path.Combine(tmp.Path, "data_batch_4.bin"), e.Message);
        Assert.Contains($"{7 * 3073 - 100:N0} bytes, expected {7 * 3073:N0}", e.Message);

        var archive = tmp["a.tar.gz"];
        SyntheticCifar.WriteArchive(archive, Records, (name, b) => name == "test_batch.bin" ? [.. b, 0] : b);
        e = Assert.Throws<DatasetException>(() => Cifar10.Load(archive, Tiny));
        Assert.Contains(archive, e.Message);
        Assert.Contains("cifar-10-batches-bin/test_batch.bin", e.Message);
        Assert.Contains("21,512 bytes, expected 21,511", e.Message);
    }

    [Fact]
    public void Official_layout_rejects_tiny_files()
    {
        using var tmp = new TempFolder();
        SyntheticCifar.WriteFolder(tmp.Path, Records);
        var e = Assert.Throws<DatasetException>(() => Cifar10.Load(tmp.Path));
        Assert.Contains("data_batch_1.bin: 21,511 bytes, expected 30,730,000 (10,000 records of 3,073 bytes)", e.Message);
    }

    [Fact]
    public void Bad_label_names_file_and_record()
    {
        using var tmp = new TempFolder();
        static byte[] Corrupt(string name, byte[] b)
        {
            if (name == "data_batch_2.bin") b[5 * 3073] = 12;
            return b;
        }
        SyntheticCifar.WriteFolder(tmp.Path, Records, Corrupt);
        var e = Assert.Throws<DatasetException>(() => Cifar10.Load(tmp.Path, Tiny));
        Assert.Contains("data_batch_2.bin: label 12 at record 5", e.Message);

        var archive = tmp["c.tar.gz"];
        SyntheticCifar.WriteArchive(archive, Records, Corrupt);
        e = Assert.Throws<DatasetException>(() => Cifar10.Load(archive, Tiny));
        Assert.Contains($"{archive}: member cifar-10-batches-bin/data_batch_2.bin: label 12 at record 5", e.Message);
    }

    [Fact]
    public void Missing_member_is_named()
    {
        using var tmp = new TempFolder();
        var archive = tmp["m.tar.gz"];
        SyntheticCifar.WriteArchive(archive, Records, (name, b) => name == "data_batch_3.bin" ? null : b);
        var e = Assert.Throws<DatasetException>(() => Cifar10.Load(archive, Tiny));
        Assert.Contains($"{archive}: member cifar-10-batches-bin/data_batch_3.bin is missing", e.Message);

        var folder = tmp["f"];
        SyntheticCifar.WriteFolder(folder, Records, (name, b) => name == "test_batch.bin" ? null : b);
        e = Assert.Throws<DatasetException>(() => Cifar10.Load(folder, Tiny));
        Assert.Contains($"{folder}: test_batch.bin is missing", e.Message);
    }

    [Fact]
    public void Truncated_archive_is_one_clear_error()
    {
        using var tmp = new TempFolder();
        var archive = tmp["t.tar.gz"];
        SyntheticCifar.WriteArchive(archive, Records);
        var full = File.ReadAllBytes(archive);
        // Cut at several places: inside early and late members, and just before the end.
        foreach (var cut in new[] { full.Length / 5, full.Length / 2, full.Length * 9 / 10 })
        {
            File.WriteAllBytes(archive, full[..cut]);
            var e = Assert.Throws<DatasetException>(() => Cifar10.Load(archive, Tiny));
            Assert.StartsWith(archive + ":", e.Message);
            Assert.Matches("truncated|missing", e.Message);
            output.WriteLine($"cut at {cut}/{full.Length}: {e.Message}");
        }
    }

    [Fact]
    public void Not_an_archive_or_missing_path()
    {
        using var tmp = new TempFolder();
        var bin = tmp["data_batch_1.bin"];
        File.WriteAllBytes(bin, SyntheticCifar.File(0, Records));
        var e = Assert.Throws<DatasetException>(() => Cifar10.Load(bin, Tiny));
        Assert.Contains($"{bin}: not a gzip-compressed tar archive", e.Message);

        var empty = tmp["empty"];
        Directory.CreateDirectory(empty);
        e = Assert.Throws<DatasetException>(() => Cifar10.Load(empty, Tiny));
        Assert.Contains($"{empty}: no CIFAR-10 here", e.Message);

        var nowhere = tmp["nowhere"];
        e = Assert.Throws<DatasetException>(() => Cifar10.Load(nowhere, Tiny));
        Assert.Equal($"{nowhere}: no such file or folder.", e.Message);
    }

    [SharedCifar10Fact]
    [Trait("Category", "Slow")]
    public void Reads_the_shared_archive()
    {
        var clock = Stopwatch.StartNew();
        var data = Cifar10.Load(RepoPaths.SharedCifar10);
        output.WriteLine($"read {RepoPaths.SharedCifar10} in {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal(50_000, data.Train.Count);
        Assert.Equal(10_000, data.Test.Count);
        // The official order (shared/data/README.md).
        Assert.Equal(new byte[] { 6, 9, 9, 4, 1, 1, 2, 7, 8, 3 }, data.Train.Labels[..10].ToArray());
        Assert.Equal(new byte[] { 3, 8, 8, 0, 6, 6, 1, 6, 3, 1 }, data.Test.Labels[..10].ToArray());
        // 5,000 training and 1,000 test images per class.
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(5000, data.Train.Labels.Count((byte)c)));
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, data.Test.Labels.Count((byte)c)));
    }
}
