using Neq.Onnx.Architectures;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Io;

/// <summary><see cref="InitialWeights.Load"/>: strict loading of another model's weights by name and shape.</summary>
public sealed class InitialWeightsTests
{
    static ModelProto ResNet(int depth, int classes, ulong seed) => CifarResNet.Build(new CifarResNetOptions(depth, classes, seed));

    static Dictionary<string, TensorProto> Floats(ModelProto m) =>
        m.Graph.Initializer.Where(t => (DataType)t.DataType == DataType.Float).ToDictionary(t => t.Name);

    [Fact]
    public void Every_float_initializer_takes_the_weights_files_value_and_the_graph_stays()
    {
        var model = ResNet(8, 10, seed: 1);
        var weights = ResNet(8, 10, seed: 2);
        var loaded = InitialWeights.Load(model, weights, "w.onnx");

        var (got, want, before) = (Floats(loaded), Floats(weights), Floats(model));
        Assert.Equal(want.Keys.Order(), got.Keys.Order());
        Assert.True(want.Count > 20, $"only {want.Count} float initializers");
        foreach (var (name, w) in want)
            Assert.Equal(w.ToFloatArray(), got[name].ToFloatArray());
        // Different seeds give different conv weights (so the check above saw a change) but the same running statistics.
        Assert.Contains(before, kv => !kv.Value.ToFloatArray().SequenceEqual(want[kv.Key].ToFloatArray()));
        Assert.Equal(model.Graph.Node, loaded.Graph.Node);
        Assert.Equal(model.Graph.Initializer.Where(t => (DataType)t.DataType != DataType.Float), loaded.Graph.Initializer.Where(t => (DataType)t.DataType != DataType.Float));
        Assert.NotEqual(Floats(model)["conv1.weight"].ToFloatArray(), got["conv1.weight"].ToFloatArray()); // the input model is not changed in place...
        Assert.Equal(Floats(ResNet(8, 10, seed: 1))["conv1.weight"].ToFloatArray(), Floats(model)["conv1.weight"].ToFloatArray()); // ...as a fresh build shows
    }

    [Fact]
    public void Another_class_count_is_one_error_naming_the_file_and_the_classifier_tensors()
    {
        var e = Assert.Throws<OnnxFormatException>(() => InitialWeights.Load(ResNet(8, 100, 0), ResNet(8, 10, 0), "runs/a/infer.onnx"));
        Assert.StartsWith("runs/a/infer.onnx: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("'linear.weight' is Float [10,64] there but Float [100,64] in the model", e.Message, StringComparison.Ordinal);
        Assert.Contains("'linear.bias'", e.Message, StringComparison.Ordinal);
        Assert.Contains("2 tensors", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deeper_or_shallower_model_is_refused_naming_missing_and_unexpected_tensors()
    {
        var deeper = Assert.Throws<OnnxFormatException>(() => InitialWeights.Load(ResNet(8, 10, 0), ResNet(14, 10, 0), "w.onnx"));
        Assert.Contains("is not in the model", deeper.Message, StringComparison.Ordinal);
        var shallower = Assert.Throws<OnnxFormatException>(() => InitialWeights.Load(ResNet(14, 10, 0), ResNet(8, 10, 0), "w.onnx"));
        Assert.Contains("is missing", shallower.Message, StringComparison.Ordinal);
        Assert.Contains("…", shallower.Message, StringComparison.Ordinal); // more than eight listed: cut
    }
}
