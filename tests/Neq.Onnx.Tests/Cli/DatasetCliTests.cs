using System.Buffers.Binary;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Data;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Io;
using Neq.Onnx.Tests.Data;
using Neq.Onnx.Tests.Training;
using Neq.Onnx.Training;
using Neq.Train;

namespace Neq.Onnx.Tests.Cli;

/// <summary><c>neq train</c> and <c>neq eval</c> on the data sets beyond CIFAR-10: flags, notes, run.json, resume.</summary>
public sealed class DatasetCliTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Neq(args);

    static byte[] Idx(int magic, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (var d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    /// <summary>An MNIST folder of <paramref name="train"/> and <paramref name="test"/> 28×28 images (plain IDX files, brightness = label).</summary>
    static string WriteMnist(string folder, int train, int test)
    {
        Directory.CreateDirectory(folder);
        var rng = new Random(4);
        void Write(string images, string labels, int n)
        {
            var y = Enumerable.Range(0, n).Select(_ => (byte)rng.Next(10)).ToArray();
            var x = new byte[n * 784];
            for (var i = 0; i < x.Length; i++) x[i] = (byte)(20 * y[i / 784] + rng.Next(10));
            File.WriteAllBytes(Path.Combine(folder, images), Idx(Neq.Onnx.Data.Idx.ImagesMagic, [n, 28, 28], x));
            File.WriteAllBytes(Path.Combine(folder, labels), Idx(Neq.Onnx.Data.Idx.LabelsMagic, [n], y));
        }
        Write("train-images-idx3-ubyte", "train-labels-idx1-ubyte", train);
        Write("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", test);
        return folder;
    }

    [Fact]
    public void Mnist_trains_a_32_by_32_model_with_the_padding_note_classes_txt_resume_and_eval()
    {
        using var tmp = new TempFolder();
        var data = WriteMnist(tmp["mnist"], 60, 20);
        var model = tmp["grey.onnx"];
        OnnxFile.Save(SmallModels.GreyCnn(), model);
        var run = tmp["run"];
        var (code, output, err) = Run("train", "--model", model, "--dataset", "mnist", "--data", data, "--out", run, "--epochs", "1",
            "--batch-size", "10", "--val-size", "0.2", "--threads", "1", "--lr", "0.02");
        Assert.True(code == 0, err);
        Assert.Contains($"data: {data} — 48 training, 12 validation, 20 test images", output);
        Assert.Contains("note: mnist: 28×28 images zero-padded to 32×32 around the centre", output);
        Assert.Equal(IdxDatasets.Mnist.ClassNames, File.ReadAllLines(Path.Combine(run, "classes.txt")));
        var source = RunConfig.FromFile(Path.Combine(run, "run.json")).Source;
        Assert.Equal(("mnist", data, false, (AugmentMode?)null), (source.Dataset, source.Data, source.Resize, source.Augment));

        // --resume reloads the same data from run.json (the finished run has nothing left to train).
        var (resumed, resumedOut, resumedErr) = Run("train", "--resume", run);
        Assert.True(resumed == 0, resumedErr);
        Assert.Contains($"data: {data} — 48 training, 12 validation, 20 test images", resumedOut);
        Assert.Contains("resuming after epoch 1", resumedOut);

        var (evalCode, evalOut, evalErr) = Run("eval", Path.Combine(run, "infer.onnx"), "--dataset", "mnist", "--data", data, "--threads", "1");
        Assert.True(evalCode == 0, evalErr);
        Assert.Contains("mnist test (20 images)", evalOut);
        Assert.Contains("note: mnist: 28×28 images zero-padded to 32×32", evalOut);
    }

    [Fact]
    public void Arch_builds_the_resnet_for_the_data_class_count()
    {
        // CIFAR-100 with coarse labels: 20 classes, so resnet20-cifar ends in [N,20].
        using var tmp = new TempFolder();
        var folder = Path.Combine(tmp["c100"], "cifar-100-binary");
        Directory.CreateDirectory(folder);
        byte[] Records(int count)
        {
            var bytes = new byte[count * Cifar100.RecordBytes];
            for (var r = 0; r < count; r++)
            {
                (bytes[r * Cifar100.RecordBytes], bytes[r * Cifar100.RecordBytes + 1]) = ((byte)(r % 20), (byte)(r % 100));
                for (var j = 0; j < 3072; j++) bytes[r * Cifar100.RecordBytes + 2 + j] = (byte)(r + 3 * j);
            }
            return bytes;
        }
        File.WriteAllBytes(Path.Combine(folder, "train.bin"), Records(20));
        File.WriteAllBytes(Path.Combine(folder, "test.bin"), Records(10));
        File.WriteAllLines(Path.Combine(folder, "coarse_label_names.txt"), Enumerable.Range(0, 20).Select(i => $"coarse{i}"));
        File.WriteAllLines(Path.Combine(folder, "fine_label_names.txt"), Enumerable.Range(0, 100).Select(i => $"fine{i}"));
        var run = tmp["run"];
        var (code, output, err) = Run("train", "--arch", "resnet20-cifar", "--dataset", "cifar100", "--labels", "coarse", "--data", tmp["c100"],
            "--out", run, "--epochs", "1", "--batch-size", "8", "--val-size", "0.2", "--threads", "1", "--augment", "none");
        Assert.True(code == 0, err);
        Assert.Contains("16 training, 4 validation, 10 test images", output);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"coarse{i}"), File.ReadAllLines(Path.Combine(run, "classes.txt")));
        var logits = OnnxFile.Load(Path.Combine(run, "infer.onnx")).Graph.Output[0].Type.TensorType.Shape.Dim;
        Assert.Equal(20, logits[1].DimValue);
        var source = RunConfig.FromFile(Path.Combine(run, "run.json")).Source;
        Assert.Equal(("cifar100", Cifar100Labels.Coarse, (AugmentMode?)AugmentMode.None), (source.Dataset, source.Labels, source.Augment));
    }

    [Fact]
    public void An_unknown_dataset_is_one_usage_error_listing_the_names()
    {
        var (code, _, err) = Run("train", "--dataset", "imagenet", "--data", "/nonexistent");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --dataset imagenet: unknown data set; known: cifar10, cifar100, mnist, fashion-mnist, folder, npz.\n", err);
    }

    [Theory]
    [InlineData(new[] { "--augment", "sideways" }, "--augment must be crop-flip or crop or none")]
    [InlineData(new[] { "--labels", "coarse" }, "--labels coarse applies to --dataset cifar100 only")]
    [InlineData(new[] { "--mean", "0.5,x" }, "--mean must be comma-separated numbers")]
    [InlineData(new[] { "--std", "0.5,0" }, "--std must be positive numbers")]
    [InlineData(new[] { "--loss", "mse" }, "--loss mse trains a regression --model")]
    [InlineData(new[] { "--loss", "hinge" }, "--loss must be ce or mse")]
    [InlineData(new[] { "--dataset", "npz" }, "--dataset npz needs --data")]
    public void Impossible_data_flags_are_usage_errors_naming_the_flag(string[] flags, string message)
    {
        var (code, _, err) = Run(["train", .. flags]);
        Assert.Equal(2, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public void Run_json_round_trips_the_data_choices()
    {
        var d = RunConfig.Defaults;
        var config = d with { Source = new RunSource("resnet20-cifar", null, "cifar100", "/d/cifar-100-binary.tar.gz", Cifar100Labels.Coarse, Resize: true,
            Mean: [0.5f, 0.4f, 0.3f], Std: [0.25f, 0.2f, 0.125f], Augment: AugmentMode.Crop) };
        var json = config.ToJson();
        var back = RunConfig.FromJson(json, "run.json").Source;
        Assert.Equal(json, (d with { Source = back }).ToJson());
        Assert.Equal(("cifar100", "/d/cifar-100-binary.tar.gz", Cifar100Labels.Coarse, true, (AugmentMode?)AugmentMode.Crop),
            (back.Dataset, back.Data, back.Labels, back.Resize, back.Augment));
        Assert.Equal([0.5f, 0.4f, 0.3f], back.Mean!);
        Assert.Equal([0.25f, 0.2f, 0.125f], back.Std!);
        Assert.Contains("\"labels\": \"coarse\"", json);
        Assert.Contains("\"augment\": \"crop\"", json);

        // A run.json written before these fields existed reads with their defaults.
        var old = json.Replace("\"labels\": \"coarse\",", "").Replace("\"resize\": true,", "").Replace("\"augment\": \"crop\"", "\"augment\": null");
        var oldSource = RunConfig.FromJson(old, "old/run.json").Source;
        Assert.Equal((Cifar100Labels.Fine, false, (AugmentMode?)null), (oldSource.Labels, oldSource.Resize, oldSource.Augment));
    }

    [Fact]
    public void Mean_and_std_replace_the_dataset_normalisation_and_must_match_its_channels()
    {
        var set = SampleSet.FromBytes(new byte[2 * 3 * 4], [3, 2, 2], [0, 1]);
        var data = new Dataset("cifar10", set, set, null, ImageNormalization.Cifar10, AugmentMode.CropFlip, "x", []);
        var applied = new RunSource(Mean: [0.5f, 0.5f, 0.5f], Augment: AugmentMode.None).Apply(data);
        Assert.Equal([0.5f, 0.5f, 0.5f], applied.Normalization!.Mean);
        Assert.Equal(ImageNormalization.Cifar10.Std, applied.Normalization.Std);
        Assert.Equal(AugmentMode.None, applied.Augment);
        var e = Assert.Throws<DatasetException>(() => new RunSource(Mean: [0.5f]).Apply(data));
        Assert.Contains("--mean/--std need 3 values", e.Message);
    }
}
