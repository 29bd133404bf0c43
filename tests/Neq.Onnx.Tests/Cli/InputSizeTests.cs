using Neq.Onnx.Data;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using Neq.Onnx.Tests.Data;
using static Neq.Onnx.Tests.Data.NpyWriter;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Cli;

/// <summary><c>neq train --input-size HxW</c>: image models with a symbolic height and width.</summary>
public sealed class InputSizeTests
{
    /// <summary>x[N,3,H,W] (or [N,H,W,3] read by a Transpose) → Conv 4 → Relu → GlobalAveragePool → Flatten → Gemm 2.</summary>
    static ModelProto Model(bool channelsLast = false)
    {
        var rng = new Random(4);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var b = new GraphBuilder("symbolic_hw");
        var x = b.AddInput("x", new TensorType(DataType.Float, channelsLast ? [Dim.Sym("N"), Dim.Sym("H"), Dim.Sym("W"), 3] : [Dim.Sym("N"), 3, Dim.Sym("H"), Dim.Sym("W")]));
        if (channelsLast) x = b.Op("Transpose", [x], [Attr.Ints("perm", 0, 3, 1, 2)], output: "x_nchw", name: "to_nchw");
        b.AddInitializer(Tensors.Float("w", [4, 3, 3, 3], Values(108)));
        b.AddInitializer(Tensors.Float("fc", [2, 4], Values(8)));
        b.Op("Conv", [x, "w"], [Attr.Ints("pads", 1, 1, 1, 1)], output: "c", name: "conv");
        b.Op("Relu", ["c"], output: "r", name: "relu");
        b.Op("GlobalAveragePool", ["r"], output: "g", name: "gap");
        b.Op("Flatten", ["g"], output: "f", name: "flatten");
        b.Op("Gemm", ["f", "fc"], [Attr.Int("transB", 1)], output: "logits", name: "head");
        b.AddOutput("logits", new TensorType(DataType.Float, [Dim.Sym("N"), 2]));
        return OnnxModel.Create(b.Graph);
    }

    static long[] InputDims(ModelProto m) => [.. m.Graph.Input.Single(i => i.Name == "x").Type.TensorType.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue : -1)];

    [Theory]
    [InlineData("32x32", 32, 32)]
    [InlineData("24X40", 24, 40)]
    public void Sizes_read_as_height_by_width(string text, int h, int w) => Assert.Equal(new InputSize(h, w), InputSize.Parse(text));

    [Theory]
    [InlineData("32")]
    [InlineData("0x8")]
    [InlineData("8x-1")]
    [InlineData("axb")]
    public void Other_text_is_one_error_naming_the_flag(string text) =>
        Assert.Contains("--input-size", Assert.Throws<ArgumentException>(() => InputSize.Parse(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void A_symbolic_height_and_width_take_the_size_on_the_axes_of_the_layout()
    {
        Assert.Equal([-1, 3, 12, 10], InputDims(InputSize.Fix(Model(), new InputSize(12, 10), "m.onnx")));
        Assert.Equal([-1, 12, 10, 3], InputDims(InputSize.Fix(Model(channelsLast: true), new InputSize(12, 10), "m.onnx")));
        Assert.Equal([-1, 3, -1, -1], InputDims(Model())); // the caller's model is not changed
    }

    [Fact]
    public void Without_a_size_a_symbolic_model_is_one_error_asking_for_it_and_a_fixed_one_passes()
    {
        var e = Assert.Throws<OnnxFormatException>(() => InputSize.Fix(Model(), null, "det.onnx"));
        Assert.StartsWith("det.onnx: input 'x' has a symbolic height or width ([N,3,H,W])", e.Message, StringComparison.Ordinal);
        Assert.Contains("--input-size HxW", e.Message, StringComparison.Ordinal);
        var fixedModel = InputSize.Fix(Model(), new InputSize(8, 8), "det.onnx");
        Assert.Same(fixedModel, InputSize.Fix(fixedModel, null, "det.onnx"));
        Assert.Same(fixedModel, InputSize.Fix(fixedModel, new InputSize(8, 8), "det.onnx"));
        Assert.Contains("contradicts", Assert.Throws<OnnxFormatException>(() => InputSize.Fix(fixedModel, new InputSize(9, 8), "det.onnx")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Neq_train_asks_for_the_size_then_trains_with_neq_at_it()
    {
        using var dir = new TempFolder();
        OnnxFile.Save(Model(), dir["det.onnx"]);
        var rng = new Random(9);
        (byte[], byte[]) Split(int n)
        {
            var x = new byte[n * 3 * 8 * 8];
            var y = new long[n];
            for (int i = 0; i < n; i++)
            {
                y[i] = i % 2;
                for (int k = 0; k < 192; k++) x[i * 192 + k] = (byte)(rng.Next(100) + (y[i] == 1 && k < 64 ? 120 : 0)); // class 1: a brighter red channel
            }
            return (Npy("|u1", [n, 3, 8, 8], x), Npy("<i8", [n], I8(y)));
        }
        var (xTrain, yTrain) = Split(120);
        var (xTest, yTest) = Split(40);
        WriteNpz(dir["d.npz"], [("x_train", xTrain), ("y_train", yTrain), ("x_test", xTest), ("y_test", yTest)]);
        string[] Train(params string[] more) => ["train", "--model", dir["det.onnx"], "--dataset", "npz", "--data", dir["d.npz"], "--epochs", "2",
            "--batch-size", "20", "--lr", "0.05", "--val-size", "0.2", "--eps", "0.5", "--threads", "1", "--out", dir["run"], .. more];

        var (code, _, err) = CliRun.Neq(Train());
        Assert.Equal(1, code);
        Assert.Contains("--input-size", err, StringComparison.Ordinal);

        (code, var output, err) = CliRun.Neq(Train("--input-size", "8x8"));
        Assert.True(code == 0, err);
        Assert.Contains("epoch   2", output, StringComparison.Ordinal);
        Assert.Equal([-1, 3, 8, 8], InputDims(OnnxFile.Load(Path.Combine(dir["run"], "infer.onnx"))));
        Assert.Contains("\"input-size\": \"8x8\"", File.ReadAllText(Path.Combine(dir["run"], "run.json")), StringComparison.Ordinal);
    }
}
