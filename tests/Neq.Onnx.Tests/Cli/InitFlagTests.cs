using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Shapes;
using Neq.Onnx.Tests.Data;
using static Neq.Onnx.Tests.Data.NpyWriter;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Cli;

/// <summary><c>neq train --init</c>: starting a run from another run's trained weights.</summary>
public sealed class InitFlagTests
{
    /// <summary>x[N,6] → Gemm(8) → Relu → Gemm(3): two masked layers, trained on a small .npz.</summary>
    static string Model(TempFolder dir)
    {
        var rng = new Random(11);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var b = new GraphBuilder("mlp");
        b.AddInput("x", new TensorType(DataType.Float, [Dim.Sym("N"), 6]));
        b.AddInitializer(Tensors.Float("w1", [8, 6], Values(48)));
        b.AddInitializer(Tensors.Float("b1", [8], Values(8)));
        b.AddInitializer(Tensors.Float("w2", [3, 8], Values(24)));
        b.Op("Gemm", ["x", "w1", "b1"], [Attr.Int("transB", 1)], output: "h", name: "fc1");
        b.Op("Relu", ["h"], output: "r", name: "relu");
        b.Op("Gemm", ["r", "w2"], [Attr.Int("transB", 1)], output: "logits", name: "fc2");
        b.AddOutput("logits", new TensorType(DataType.Float, [Dim.Sym("N"), 3]));
        var path = dir["mlp.onnx"];
        OnnxFile.Save(OnnxModel.Create(b.Graph), path);
        return path;
    }

    static string Data(TempFolder dir)
    {
        var rng = new Random(5);
        (byte[] X, byte[] Y) Split(int n)
        {
            var x = Enumerable.Range(0, n * 6).Select(_ => (float)rng.NextDouble()).ToArray();
            var y = Enumerable.Range(0, n).Select(i => (long)(x[i * 6] + x[i * 6 + 1] > 1 ? 2 : x[i * 6 + 2] > 0.5 ? 1 : 0)).ToArray();
            return (Npy("<f4", [n, 6], F4(x)), Npy("<i8", [n], I8(y)));
        }
        var (xTrain, yTrain) = Split(200);
        var (xTest, yTest) = Split(40);
        var path = dir["d.npz"];
        WriteNpz(path, [("x_train", xTrain), ("y_train", yTrain), ("x_test", xTest), ("y_test", yTest)]);
        return path;
    }

    static string[] Train(string model, string data, string run, params string[] more) =>
        ["train", "--model", model, "--dataset", "npz", "--data", data, "--epochs", "1", "--batch-size", "20", "--lr", "0.05",
         "--val-size", "0.1", "--seed", "3", "--threads", "1", "--out", run, .. more];

    static float[] Weights(string run, string name) =>
        OnnxFile.Load(Path.Combine(run, "infer.onnx")).Graph.Initializer.Single(t => t.Name == name).ToFloatArray();

    [Fact]
    public void Init_from_a_run_folder_starts_where_that_run_ended()
    {
        using var dir = new TempFolder();
        var (model, data) = (Model(dir), Data(dir));
        Assert.Equal(0, CliRun.Neq(Train(model, data, dir["a"])).Code);

        // From a's weights through --init, and from a's infer.onnx as the model itself: the same start, the same run.
        var (code, output, err) = CliRun.Neq(Train(model, data, dir["b"], "--init", dir["a"]));
        Assert.True(code == 0, err);
        Assert.Contains($"init: weights from {Path.Combine(dir["a"], "infer.onnx")}", output, StringComparison.Ordinal);
        Assert.Equal(0, CliRun.Neq(Train(Path.Combine(dir["a"], "infer.onnx"), data, dir["c"])).Code);
        Assert.Equal(0, CliRun.Neq(Train(model, data, dir["d"])).Code);
        foreach (var name in new[] { "w1", "b1", "w2" })
        {
            Assert.Equal(Weights(dir["c"], name), Weights(dir["b"], name));
            Assert.NotEqual(Weights(dir["d"], name), Weights(dir["b"], name));
        }
        Assert.Contains("\"init\":", File.ReadAllText(Path.Combine(dir["b"], "run.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void Init_naming_nothing_or_a_folder_without_infer_onnx_is_a_usage_error_naming_the_flag()
    {
        using var dir = new TempFolder();
        var (model, data) = (Model(dir), Data(dir));
        Directory.CreateDirectory(dir["empty"]);
        foreach (var (init, says) in new[] { (dir["none.onnx"], "no such file"), (dir["empty"], "without infer.onnx") })
        {
            var (code, _, err) = CliRun.Neq(Train(model, data, dir["r"], "--init", init));
            Assert.Equal(2, code);
            Assert.Contains($"--init {init}", err, StringComparison.Ordinal);
            Assert.Contains(says, err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Weights_of_another_architecture_are_one_error_naming_the_file_and_tensor()
    {
        using var dir = new TempFolder();
        var (model, data) = (Model(dir), Data(dir));
        var other = OnnxFile.Load(model);
        other.Graph.Initializer.Single(t => t.Name == "w2").MergeFrom(Tensors.Float("w2", [3, 8], new float[24]));
        var bad = other.Graph.Initializer.Single(t => t.Name == "b1");
        bad.Dims.Clear();
        bad.Dims.AddRange([4, 2]);
        OnnxFile.Save(other, dir["other.onnx"]);
        var (code, _, err) = CliRun.Neq(Train(model, data, dir["r"], "--init", dir["other.onnx"]));
        Assert.Equal(1, code);
        Assert.Contains(dir["other.onnx"], err, StringComparison.Ordinal);
        Assert.Contains("'b1' is Float [4,2] there but Float [8] in the model", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir["r"]), "a refused run must not leave a run folder behind");
    }
}
