using Neq.Onnx.Data;
using static Neq.Onnx.Tests.Data.NpyWriter;

namespace Neq.Onnx.Tests.Data;

public sealed class NpzTests
{
    static NpyArray Parse(byte[] bytes) => NpyArray.Read(new MemoryStream(bytes), "t.npy");

    [Fact]
    public void Every_supported_dtype_and_header_version_parses()
    {
        var f4 = Parse(Npy("<f4", [2, 3], F4(1, -2, 3.5f, 0, 1e-3f, 7)));
        Assert.Equal([2, 3], f4.Shape);
        Assert.Equal([1, -2, 3.5f, 0, 1e-3f, 7], f4.ToFloats());
        Assert.Equal([0.1f, 1e30f], Parse(Npy("<f8", [2], F8(0.1, 1e30))).ToFloats());
        Assert.Equal([0f, 255f], Parse(Npy("|u1", [2], [0, 255])).ToFloats());
        Assert.Equal([3, 0, 9], Parse(Npy("<i8", [3], I8(3, 0, 9))).ToLabels("x"));
        Assert.Equal([4, 1], Parse(Npy("<i4", [2], I4(4, 1), major: 2)).ToLabels("x"));
        Assert.Equal([5], Parse(Npy("<i4", [1], I4(5), major: 3)).ToLabels("x"));
    }

    [Theory]
    [InlineData("|O", "object array")]
    [InlineData(">f4", "big-endian")]
    [InlineData("<c8", "not supported")]
    public void Unsupported_dtypes_are_rejected_naming_the_array(string descr, string reason)
    {
        var e = Assert.Throws<DatasetException>(() => Parse(Npy(descr, [1], new byte[8])));
        Assert.StartsWith("t.npy: ", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Fortran_order_and_pickles_are_rejected()
    {
        Assert.Contains("Fortran order", Assert.Throws<DatasetException>(() => Parse(Npy("<f4", [1, 2], F4(1, 2), fortran: true))).Message);
        // Protocol-2 pickle opcode first: what numpy.save writes for allow_pickle objects outside .npy.
        Assert.Contains("pickle", Assert.Throws<DatasetException>(() => Parse([0x80, 0x02, 0x7d, 0x71, 0, 0x2e, 0, 0])).Message);
    }

    [Fact]
    public void Truncated_array_data_names_the_record()
    {
        var bytes = Npy("<f4", [4, 3], F4(new float[12]));
        // 12 bytes per record: 30 of 48 data bytes leave records 0 and 1 whole, record 2 cut.
        var e = Assert.Throws<DatasetException>(() => Parse(bytes[..^18]));
        Assert.Contains("t.npy: truncated", e.Message);
        Assert.Contains("in record 2", e.Message);
    }

    static (string, byte[])[] Classification(int[] shape, int n, long[] yTrain) =>
    [
        ("x_train", Npy("<f4", [n, .. shape], F4(Enumerable.Range(0, n * shape.Aggregate(1, (a, b) => a * b)).Select(i => (float)i).ToArray()))),
        ("y_train", Npy("<i8", [n], I8(yTrain))),
        ("x_test", Npy("<f8", [1, .. shape], F8(new double[shape.Aggregate(1, (a, b) => a * b)]))),
        ("y_test", Npy("<i8", [1], I8(0))),
    ];

    [Fact]
    public async Task Npz_with_1d_signals_and_integer_labels_reads_as_a_classification_set()
    {
        using var tmp = new TempFolder();
        WriteNpz(tmp["s.npz"], Classification([5], 3, [2, 0, 1]));
        var data = await DatasetCatalog.LoadAsync(new DatasetOptions { Name = "npz", DataPath = tmp["s.npz"] });
        Assert.Equal([5], data.Train.Shape);
        Assert.Equal(SampleElement.Float32, data.Train.Element);
        Assert.Equal([2, 0, 1], data.Train.Labels.ToArray());
        Assert.Equal([5f, 6, 7, 8, 9], data.Train.FloatSample(1).ToArray());
        Assert.Null(data.ClassNames);
    }

    [Fact]
    public void Npz_with_float_targets_reads_as_a_regression_set()
    {
        using var tmp = new TempFolder();
        WriteNpz(tmp["r.npz"],
        [
            ("x_train", Npy("<f4", [2, 3], F4(1, 2, 3, 4, 5, 6))),
            ("y_train", Npy("<f8", [2], F8(0.5, -1.5))),
            ("x_test", Npy("<f4", [1, 3], F4(7, 8, 9))),
            ("y_test", Npy("<f4", [1], F4(2))),
        ]);
        var data = Npz.Load(tmp["r.npz"]);
        Assert.False(data.Train.HasClassLabels);
        Assert.Equal([1], data.Train.TargetShape);
        Assert.Equal([-1.5f], data.Train.Target(1).ToArray());
        var loader = new BatchLoader(data.Train, new BatchLoaderOptions(2));
        var x = new float[6];
        var t = new float[2];
        loader.FillBatch(0, 0, x, [], t);
        Assert.Equal([1f, 2, 3, 4, 5, 6], x);
        Assert.Equal([0.5f, -1.5f], t);
    }

    [Fact]
    public void A_missing_array_names_the_file_and_the_array()
    {
        using var tmp = new TempFolder();
        WriteNpz(tmp["m.npz"], Classification([2], 1, [0]).Where(a => a.Item1 != "y_test"));
        var e = Assert.Throws<DatasetException>(() => Npz.Load(tmp["m.npz"]));
        Assert.Contains(tmp["m.npz"], e.Message);
        Assert.Contains("array y_test is missing", e.Message);
    }

    [Fact]
    public void An_object_array_in_an_npz_names_the_file_and_the_array()
    {
        using var tmp = new TempFolder();
        WriteNpz(tmp["o.npz"], Classification([2], 1, [0]).Select(a => a.Item1 == "x_test" ? (a.Item1, Npy("|O", [1, 2], new byte[16])) : a));
        var e = Assert.Throws<DatasetException>(() => Npz.Load(tmp["o.npz"]));
        Assert.Contains($"{tmp["o.npz"]}: array x_test: an object array", e.Message);
    }

    [Fact]
    public void A_truncated_npz_is_rejected_naming_the_file()
    {
        using var tmp = new TempFolder();
        WriteNpz(tmp["t.npz"], Classification([50], 40, new long[40]));
        var bytes = File.ReadAllBytes(tmp["t.npz"]);
        File.WriteAllBytes(tmp["t.npz"], bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<DatasetException>(() => Npz.Load(tmp["t.npz"]));
        Assert.Contains(tmp["t.npz"], e.Message);
    }

    [Fact]
    public void A_negative_label_names_the_array_and_record()
    {
        using var tmp = new TempFolder();
        WriteNpz(tmp["n.npz"], Classification([2], 3, [1, 0, -4]));
        var e = Assert.Throws<DatasetException>(() => Npz.Load(tmp["n.npz"]));
        Assert.Contains("array y_train: record 2 has label -4", e.Message);
    }

    [Fact]
    public void Label_outside_the_model_classes_names_the_record()
    {
        var set = SampleSet.FromFloats(new float[4], [1], [0, 2, 9, 1]);
        var e = Assert.Throws<DatasetException>(() => set.CheckLabels(5, "d.npz: y_train"));
        Assert.Equal("d.npz: y_train: record 2 has label 9, outside 0..4 (the model has 5 outputs).", e.Message);
        set.CheckLabels(10, "ok");
    }

    [Fact]
    public async Task Unknown_dataset_name_lists_the_known_ones()
    {
        var e = await Assert.ThrowsAsync<DatasetException>(() => DatasetCatalog.LoadAsync(new DatasetOptions { Name = "imagenet" }));
        Assert.Contains("--dataset imagenet: unknown data set; known: cifar10, cifar100, mnist, fashion-mnist, folder, npz.", e.Message);
    }
}
