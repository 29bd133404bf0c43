using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Shapes;
using Neq.Onnx.Tests.Data;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Cli;

/// <summary><c>neq train --output NAME</c>: which output of a --model file is trained.</summary>
public sealed class OutputFlagTests
{
    /// <summary>x[N,4] → Gemm → logits[N,3], and Relu(logits) as a second float output.</summary>
    static string TwoOutputModel(TempFolder dir)
    {
        var b = new GraphBuilder("two_outputs");
        b.AddInput("x", new TensorType(DataType.Float, [Dim.Sym("N"), 4]));
        b.AddInitializer(Tensors.Float("w", [3, 4], Enumerable.Range(0, 12).Select(i => 0.1f * (i % 5 - 2)).ToArray()));
        b.Op("Gemm", ["x", "w"], [Attr.Int("transB", 1)], output: "logits", name: "fc");
        b.Op("Relu", ["logits"], output: "features", name: "relu");
        b.AddOutput("logits", new TensorType(DataType.Float, [Dim.Sym("N"), 3]));
        b.AddOutput("features", new TensorType(DataType.Float, [Dim.Sym("N"), 3]));
        var path = dir["two-outputs.onnx"];
        OnnxFile.Save(OnnxModel.Create(b.Graph), path);
        return path;
    }

    [Fact]
    public void A_model_with_two_float_outputs_and_no_output_flag_is_refused_listing_them()
    {
        using var dir = new TempFolder();
        var (code, _, err) = CliRun.Neq("train", "--model", TwoOutputModel(dir), "--dataset", "npz", "--data", dir["none.npz"], "--out", dir["run"]);
        Assert.Equal(1, code);
        Assert.Contains("logits", err, StringComparison.Ordinal);
        Assert.Contains("features", err, StringComparison.Ordinal);
        Assert.Contains("--output", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_flag_naming_no_output_of_the_model_is_refused_naming_it()
    {
        using var dir = new TempFolder();
        var (code, _, err) = CliRun.Neq("train", "--model", TwoOutputModel(dir), "--output", "probs", "--dataset", "npz", "--data", dir["none.npz"], "--out", dir["run"]);
        Assert.Equal(1, code);
        Assert.Contains("'probs'", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_flag_without_a_model_is_a_usage_error()
    {
        var (code, _, err) = CliRun.Neq("train", "--output", "logits", "--epochs", "1");
        Assert.Equal(2, code);
        Assert.Contains("--output", err, StringComparison.Ordinal);
    }
}
