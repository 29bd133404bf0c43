using Neq.CommandLine;
using Neq.GraphBuilderTool;
using Neq.Onnx.Io;
using Neq.Onnx.Neurons;
using Neq.Onnx.Tests.Neurons;

namespace Neq.Onnx.Tests.Cli;

/// <summary><c>graph-builder inject-masks</c> on the checked-in ResNet-32 and on an exporter-style file.</summary>
public sealed class InjectMasksCliTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("neq-masks-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static (int Code, string Out, string Err) Run(params string[] args) => CliRun.GraphBuilder(args);

    [Fact]
    public void Resnet32_gets_the_reference_neurons_and_keeps_its_logits()
    {
        var path = Path.Combine(_dir, "masked.onnx");
        var (code, output, error) = Run("inject-masks", RepoPaths.ResNet32Model, "-o", path);
        Assert.Equal((CliHost.Ok, ""), (code, error));
        // neq-reference.md: 1,136 conv + 1,136 BN channels; the 10 classifier outputs are left out.
        Assert.Contains("62 layers gated, 2,272 neurons", output, StringComparison.Ordinal);
        Assert.Contains("layer3.4.bn2  BatchNorm 64", output, StringComparison.Ordinal);

        var original = OnnxFile.Load(RepoPaths.ResNet32Model);
        var masked = OnnxFile.Load(path);
        var feeds = OrtRunner.Feeds([(original.Graph.Input[0].Name, [2L, 3, 32, 32])]);
        var logits = original.Graph.Output[0].Name;
        var want = OrtRunner.Run(original, feeds, [logits], optimize: false)[logits];
        Assert.Equal(want, OrtRunner.Run(masked, feeds, [logits], optimize: false)[logits]);
        var frozen = new Dictionary<string, (long[], float[])>(feeds) { ["layer2.0.conv1.mask"] = ([32L], new float[32]) };
        Assert.Equal(want, OrtRunner.Run(masked, frozen, [logits], optimize: false)[logits]);
    }

    [Fact]
    public void Layers_and_include_classifier_select_what_is_gated()
    {
        var path = Path.Combine(_dir, "two.onnx");
        var (code, output, error) = Run("inject-masks", RepoPaths.ResNet32Model, "-o", path, "--layers", "conv1,linear", "--layers", "layer1.0.bn1", "--no-activations");
        Assert.Equal((CliHost.Ok, ""), (code, error));
        Assert.Contains("3 layers gated, 42 neurons", output, StringComparison.Ordinal); // 16 + 16 + 10
        var m = OnnxFile.Load(path);
        Assert.Equal(["conv1.mask", "layer1.0.bn1.mask", "linear.mask"], m.Graph.Input.Skip(1).Select(i => i.Name));
        Assert.Single(m.Graph.Output);

        (code, output, _) = Run("inject-masks", RepoPaths.ResNet32Model, "-o", path, "--include-classifier");
        Assert.Equal(CliHost.Ok, code);
        Assert.Contains("63 layers gated, 2,282 neurons", output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_exporter_style_file_is_accepted()
    {
        var input = Path.Combine(_dir, "tf.onnx");
        OnnxFile.Save(ExporterPatterns.Get("tf2onnx: NHWC input behind Transpose").Model, input);
        var path = Path.Combine(_dir, "tf-masked.onnx");
        var (code, output, error) = Run("inject-masks", input, "-o", path);
        Assert.Equal((CliHost.Ok, ""), (code, error));
        Assert.Contains("model/conv/Conv2D  Conv 8", output, StringComparison.Ordinal);
        Assert.Contains(OnnxFile.Load(path).Graph.Output, o => o.Name == "model/conv/Conv2D.activation");
    }

    [Fact]
    public void An_unknown_layer_exits_one_with_one_line_naming_the_file()
    {
        var (code, output, error) = Run("inject-masks", RepoPaths.ResNet32Model, "-o", Path.Combine(_dir, "x.onnx"), "--layers", "conv9");
        Assert.Equal(CliHost.Error, code);
        Assert.Equal("", output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {RepoPaths.ResNet32Model}: No neuron layer is named 'conv9'.", line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "x.onnx")));
    }

    [Fact]
    public void An_already_gated_file_exits_one()
    {
        var path = Path.Combine(_dir, "once.onnx");
        Assert.Equal(CliHost.Ok, Run("inject-masks", RepoPaths.ResNet32Model, "-o", path).Code);
        var (code, _, error) = Run("inject-masks", path, "-o", Path.Combine(_dir, "twice.onnx"));
        Assert.Equal(CliHost.Error, code);
        Assert.Contains("already has mask gates", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inject-masks")]
    [InlineData("inject-masks", "in.onnx")]
    [InlineData("inject-masks", "in.onnx", "-o", "out.onnx", "--bogus")]
    public void Usage_errors_exit_two(params string[] args)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(CliHost.Usage, code);
        Assert.Contains("inject-masks --help", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_exits_zero()
    {
        var (code, output, _) = Run("inject-masks", "--help");
        Assert.Equal(CliHost.Ok, code);
        Assert.Contains("--include-classifier", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_on_resnet32_counts_the_reference_neurons_per_kind()
    {
        var layers = NeuronLayers.Find(OnnxFile.Load(RepoPaths.ResNet32Model), new NeuronLayerOptions(IncludeClassifier: true));
        Assert.Equal(1136, layers.Where(l => l.Kind == NeuronLayerKind.Conv).Sum(l => l.Channels));
        Assert.Equal(1136, layers.Where(l => l.Kind == NeuronLayerKind.BatchNorm).Sum(l => l.Channels));
        var fc = Assert.Single(layers, l => l.Kind == NeuronLayerKind.Dense);
        Assert.Equal(("linear", 10), (fc.Name, fc.Channels));
    }
}
