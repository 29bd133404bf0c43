using Neq.Onnx.Graphs;
using Neq.Onnx.Io;

namespace Neq.Onnx.Tests.Cli;

/// <summary><c>neq</c>'s exit codes and its one-line errors for bad flags, files and data.</summary>
public sealed class NeqCliTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Neq(args);

    [Theory]
    [InlineData("--eps", "-0.1", "--eps")]
    [InlineData("--velocity-mu", "0.7", "--velocity-mu")]
    [InlineData("--val-size", "1", "--val-size")]
    [InlineData("--optim", "rmsprop", "--optim")]
    [InlineData("--velocity-rule", "code", "--velocity-rule")]
    [InlineData("--arch", "resnet33-cifar", "--arch")]
    [InlineData("--no-such-flag", "1", "no-such-flag")]
    public void Impossible_values_are_usage_errors_naming_the_flag(string flag, string value, string named)
    {
        var (code, _, err) = Run("train", flag, value, "--data", "/nonexistent/cifar");
        Assert.Equal(2, code);
        Assert.Contains(named, err);
        Assert.DoesNotContain("   at ", err); // no stack trace
    }

    [Fact]
    public void Help_exits_zero()
    {
        Assert.Equal(0, Run("--help").Code);
        var (code, output, _) = Run("train", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--velocity-rule", output);
        Assert.Contains("--no-specialize", output);
    }

    [Fact]
    public void A_missing_dataset_is_one_error_naming_the_path()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"neq-no-data-{Guid.NewGuid():N}", "cifar-10-binary.tar.gz");
        var (code, _, err) = Run("train", "--data", missing, "--epochs", "1", "--out", Path.Combine(Path.GetTempPath(), $"neq-run-{Guid.NewGuid():N}"));
        Assert.Equal(1, code);
        Assert.Contains(missing, err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void A_model_that_is_not_a_cifar_classifier_is_rejected_naming_the_output()
    {
        // A [N,3,32,32] → [N,7] model: wrong number of classes for CIFAR-10.
        var dir = Directory.CreateTempSubdirectory("neq-cli-");
        try
        {
            var b = new GraphBuilder("g");
            b.AddInput("x", new global::Neq.Onnx.Shapes.TensorType(global::Neq.Onnx.Ir.TensorProto.Types.DataType.Float, [global::Neq.Onnx.Shapes.Dim.Sym("N"), 3, 32, 32]));
            b.AddInitializer(Tensors.Float("w", [7, 3072], new float[7 * 3072]));
            var flat = b.Op("Flatten", ["x"]);
            b.Op("Gemm", [flat, "w"], [Attr.Int("transB", 1)], output: "y");
            b.AddOutput("y");
            var path = Path.Combine(dir.FullName, "m.onnx");
            OnnxFile.Save(OnnxModel.Create(b.Graph), path);
            var data = Path.Combine(dir.FullName, "data");
            var (code, _, err) = Run("eval", path, "--data", data);
            Assert.Equal(1, code);
            Assert.Contains(data, err); // the dataset is checked first here: no data, named
        }
        finally { dir.Delete(true); }
    }
}
