using Neq.Onnx.Artifacts;
using Neq.Onnx.Data;
using Neq.Onnx.Io;
using Neq.Onnx.Tests.Data;
using Neq.Onnx.Training;

namespace Neq.Onnx.Tests.Cli;

/// <summary><c>graph-builder example</c>: the README's exporter-pattern models and signal data, reproducible and trainable.</summary>
public sealed class ExampleCommandTests
{
    [Theory]
    [InlineData("pytorch-mnist", "input.1", InputLayout.ChannelsFirst, 10)]
    [InlineData("keras-nhwc", "input_1", InputLayout.ChannelsLast, 10)]
    [InlineData("signal1d", "signal", InputLayout.ChannelsFirst, 3)]
    public void Each_pattern_is_byte_reproducible_and_compiles_to_artifacts_of_its_layout(string pattern, string input, InputLayout layout, long classes)
    {
        using var tmp = new TempFolder();
        var (code, output, err) = CliRun.GraphBuilder("example", "--pattern", pattern, "-o", tmp["a.onnx"]);
        Assert.True(code == 0, err);
        Assert.Contains($"wrote {tmp["a.onnx"]}", output, StringComparison.Ordinal);
        Assert.Equal(0, CliRun.GraphBuilder("example", "--pattern", pattern, "-o", tmp["b.onnx"]).Code);
        Assert.Equal(File.ReadAllBytes(tmp["a.onnx"]), File.ReadAllBytes(tmp["b.onnx"]));

        var set = TrainingArtifacts.Build(OnnxFile.Load(tmp["a.onnx"]), new ArtifactOptions(new OptimizerOptions()));
        var model = NeqTrainer.InputOf(set);
        Assert.Equal((input, layout, -1L), (model.Name, model.Layout, model.Shape[0]));
        Assert.Equal(classes, set.Manifest.Graphs.First(g => g.Role == "eval").Outputs.First(o => o.Name == set.Manifest.Prediction).Shape[1]);
    }

    [Fact]
    public void The_signal_data_set_has_the_counts_asked_for_and_the_same_seed_gives_the_same_file()
    {
        using var tmp = new TempFolder();
        Assert.Equal(0, CliRun.GraphBuilder("example", "--pattern", "signal1d", "-o", tmp["m.onnx"], "--data", tmp["a.npz"], "--train", "40", "--test", "10").Code);
        Assert.Equal(0, CliRun.GraphBuilder("example", "--pattern", "signal1d", "-o", tmp["m.onnx"], "--data", tmp["b.npz"], "--train", "40", "--test", "10").Code);
        var data = Npz.Load(tmp["a.npz"]);
        Assert.Equal((40, 10), (data.Train.Count, data.Test.Count));
        Assert.Equal([64], data.Train.Shape);
        Assert.All(data.Train.Labels.ToArray(), l => Assert.InRange(l, 0, 2));
        Assert.Equal(Npz.Load(tmp["b.npz"]).Train.FloatSample(7).ToArray(), data.Train.FloatSample(7).ToArray());
    }

    [Fact]
    public void An_unknown_pattern_is_one_error_listing_the_patterns()
    {
        using var tmp = new TempFolder();
        var (code, _, err) = CliRun.GraphBuilder("example", "--pattern", "caffe", "-o", tmp["m.onnx"]);
        Assert.Equal(1, code);
        Assert.Contains("pytorch-mnist, keras-nhwc, signal1d", err, StringComparison.Ordinal);
    }
}
