using Neq.CommandLine;
using Neq.GraphBuilderTool;
using Neq.Onnx.Io;
using Neq.Onnx.Tests.Artifacts;
using Neq.Onnx.Artifacts;

namespace Neq.Onnx.Tests.Cli;

public sealed class ArtifactsCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("neq-artifacts-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static (int Code, string Out, string Err) Run(params string[] args) => CliRun.GraphBuilder(args);

    string SmallModel()
    {
        var path = Path.Combine(_dir, "small.onnx");
        OnnxFile.Save(SmallNets.ConvNet(), path);
        return path;
    }

    [Fact]
    public void Writes_the_artifacts_the_library_builds()
    {
        var model = SmallModel();
        var outDir = Path.Combine(_dir, "out");
        var (code, output, error) = Run("artifacts", model, "--optimizer", "adamw", "--weight-decay", "0.01", "--beta2", "0.99", "--split", "-o", outDir);
        Assert.Equal("", error);
        Assert.Equal(CliHost.Ok, code);
        Assert.Contains("manifest.json", output, StringComparison.Ordinal);

        var expected = TrainingArtifacts.Build(OnnxFile.Load(model),
            new ArtifactOptions(new OptimizerOptions(OptimizerKind.AdamW, WeightDecay: 0.01, Beta2: 0.99), Split: true));
        foreach (var (file, m) in expected.Files())
            Assert.Equal(OnnxFile.Serialize(m), File.ReadAllBytes(Path.Combine(outDir, file)));
        Assert.Equal(expected.Manifest.ToJson(), File.ReadAllText(Path.Combine(outDir, "manifest.json")));
    }

    [Fact]
    public void Mse_loss_and_sgd_options_reach_the_manifest()
    {
        var outDir = Path.Combine(_dir, "mse");
        var (code, _, error) = Run("artifacts", SmallModel(), "--optimizer", "sgd", "--loss", "mse", "--momentum", "0.9", "--nesterov", "-o", outDir);
        Assert.Equal("", error);
        Assert.Equal(CliHost.Ok, code);
        var m = ArtifactManifest.FromJson(File.ReadAllText(Path.Combine(outDir, "manifest.json")));
        Assert.Equal("mse", m.Loss);
        Assert.Equal(new ManifestOptimizer("sgd", 0.9, true, 0, null, null, null), m.Optimizer);
        Assert.False(File.Exists(Path.Combine(outDir, "grad.onnx")));
    }

    [Theory]
    [InlineData("--optimizer", "rmsprop")]
    [InlineData("--optimizer", "sgd", "--loss", "hinge")]
    [InlineData("--optimizer", "sgd", "--nesterov")]
    [InlineData("--optimizer", "adam", "--momentum", "0.9")]
    [InlineData("--optimizer", "sgd", "--beta1", "0.5")]
    [InlineData("--optimizer", "adam", "--beta2", "1.5")]
    [InlineData("--optimizer", "sgd", "--momentum", "fast")]
    [InlineData]
    public void Usage_errors_exit_two_with_a_hint(params string[] extra)
    {
        var (code, _, error) = Run(["artifacts", SmallModel(), .. extra, "-o", Path.Combine(_dir, "x")]);
        Assert.Equal(CliHost.Usage, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains("--help", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_model_is_one_error_line_naming_it()
    {
        var missing = Path.Combine(_dir, "missing.onnx");
        var (code, _, error) = Run("artifacts", missing, "--optimizer", "sgd", "-o", Path.Combine(_dir, "x"));
        Assert.Equal(CliHost.Error, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(missing, line, StringComparison.Ordinal);
    }
}
