using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using Neq.Onnx.Training;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Training;

/// <summary>
/// ONNX Runtime's log goes through <see cref="OrtLog"/>: the warning about inputs with defaults
/// (every mask of every artifact) is dropped, other warnings are forwarded. The test assembly
/// configures the environment before any session (<see cref="TestAssemblySetup"/>). Tests run in
/// parallel and the sink is global, so each test looks only at lines naming its own values.
/// </summary>
public sealed class OrtLogTests
{
    [Fact]
    public void Mask_inputs_with_defaults_warn_in_onnx_runtime_but_not_to_the_user()
    {
        Assert.True(OrtLog.Configure(), "the test assembly's module initializer should have created ONNX Runtime's environment through OrtLog");
        var artifacts = TrainingArtifacts.Build(TinyClassifier.Model(), new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd)));
        var masks = artifacts.Manifest.Masks.Select(m => m.Name).ToArray();
        Assert.NotEmpty(masks);

        var (forwarded, dropped) = Capture(() =>
        {
            using var so = Sessions.Options(1, "cpu");
            using var session = new InferenceSession(OnnxFile.Serialize(artifacts.Train), so);
        });

        // ONNX Runtime did warn about every mask (graph.cc: "Initializer … appears in graph inputs") …
        foreach (var mask in masks)
            Assert.Contains(dropped, m => m.Contains($"Initializer {mask} ", StringComparison.Ordinal));
        // … and none of it reached the sink.
        Assert.DoesNotContain(forwarded, l => masks.Any(mask => l.Contains(mask, StringComparison.Ordinal)));
    }

    [Fact]
    public void Other_warnings_reach_the_sink_as_one_line_each()
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var b = new GraphBuilder("log_" + tag);
        b.AddInput("x", new TensorType(DataType.Float, [2]));
        b.AddInitializer(Tensors.Float($"{tag}.unused", [1], [0f])); // read by no node: ONNX Runtime warns and removes it
        b.Op("Relu", ["x"], output: "y", name: "relu");
        b.AddOutput("y", new TensorType(DataType.Float, [2]));

        var (forwarded, _) = Capture(() =>
        {
            using var so = Sessions.Options(1, "cpu");
            using var session = new InferenceSession(OnnxFile.Serialize(OnnxModel.Create(b.Graph)), so);
        });

        var line = Assert.Single(forwarded, l => l.Contains($"{tag}.unused", StringComparison.Ordinal));
        Assert.StartsWith("onnxruntime warning: ", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Initializer mask.layer1 appears in graph inputs and will not be treated as constant value/weight. This may prevent some of the graph optimizations, like const folding.", true)]
    [InlineData("Removing initializer 'w'. It is not used by any node and should be removed from the model.", false)]
    [InlineData("Some nodes were not assigned to the preferred execution providers which may or may not have an negative impact on performance.", false)]
    public void Only_the_input_with_default_warning_is_dropped(string message, bool dropped) =>
        Assert.Equal(dropped, OrtLog.IsDropped(message));

    /// <summary>The lines forwarded to the sink and the messages dropped while <paramref name="run"/> runs.</summary>
    static (string[] Forwarded, string[] Dropped) Capture(Action run)
    {
        var sink = new StringWriter();
        var dropped = new List<string>();
        void Collect(string m) { lock (dropped) dropped.Add(m); }
        var before = OrtLog.Sink;
        OrtLog.Sink = sink;
        OrtLog.Dropped += Collect;
        try { run(); }
        finally
        {
            OrtLog.Sink = before;
            OrtLog.Dropped -= Collect;
        }
        lock (dropped) lock (sink) return (sink.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), dropped.ToArray());
    }
}
