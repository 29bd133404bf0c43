using Neq.Onnx.Artifacts;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Artifacts.Exported;

/// <summary>
/// Exporter forms the pattern tests (Neurons/ExporterPatterns) do not hold together: weights in
/// float_data and a shape in int64_data (CNTK, MXNet) instead of raw_data, a Conv1D exported as
/// Unsqueeze → 2-D Conv → Squeeze (tf2onnx), and BatchNormalization on a rank-3 [N,C,L] value.
/// infer.onnx computes the original's forward in ONNX Runtime, and the loss falls over 30 steps.
/// </summary>
public sealed class ExporterFormTests
{
    /// <summary>A float tensor with its values in float_data, as CNTK and MXNet write them.</summary>
    static TensorProto FloatData(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return t;
    }

    /// <summary>
    /// x [N,3,12] → Unsqueeze(2) → Conv 3→4 kernel [1,3] → Squeeze(2) → BN over [N,4,10] → Relu →
    /// Reshape [0,−1] (int64_data) → Gemm 40→3 → logits; every weight in float_data; opset 13.
    /// </summary>
    static ModelProto Model()
    {
        var rng = new Random(8);
        var b = new GraphBuilder("exporter_forms");
        string P(string n, long[] d, double s, double offset = 0) =>
            b.AddInitializer(FloatData(n, d, SmallNets.Uniform(rng, d.Aggregate(1L, (p, q) => p * q), s).Select(v => (float)(v + offset)).ToArray()));
        var x = b.AddInput("x", new TensorType(DataType.Float, [Dim.Sym("N"), 3, 12]));
        var axes = new TensorProto { Name = "axes", DataType = (int)DataType.Int64, Dims = { 1 }, Int64Data = { 2 } };
        var shape = new TensorProto { Name = "flat", DataType = (int)DataType.Int64, Dims = { 2 }, Int64Data = { 0, -1 } };
        b.AddInitializer(axes);
        b.AddInitializer(shape);
        var y = b.Op("Unsqueeze", [x, "axes"], name: "conv1d/ExpandDims");
        y = b.Op("Conv", [y, P("conv.weight", [4, 3, 1, 3], 0.4), P("conv.bias", [4], 0.1)], [Attr.Ints("kernel_shape", 1, 3)], name: "conv1d/Conv2D");
        y = b.Op("Squeeze", [y, "axes"], name: "conv1d/Squeeze");
        y = b.Op("BatchNormalization", [y, P("bn.scale", [4], 0.3, 1), P("bn.bias", [4], 0.1), P("bn.mean", [4], 0.1), P("bn.var", [4], 0.2, 1)], name: "bn");
        y = b.Op("Relu", [y], name: "relu");
        y = b.Op("Reshape", [y, "flat"], name: "flatten");
        y = b.Op("Gemm", [y, P("fc.weight", [3, 40], 0.2), P("fc.bias", [3], 0.1)], [Attr.Int("transB", 1)], output: "logits", name: "fc");
        b.AddOutput(y, new TensorType(DataType.Float, [Dim.Sym("N"), 3]));
        return OnnxModel.Create(b.Graph, 13);
    }

    [Fact]
    public void Float_data_tensors_a_squeezed_conv1d_and_rank_3_batchnorm_compute_the_forward_and_train()
    {
        var model = Model();
        Assert.All(model.Graph.Initializer, t => Assert.False(t.HasRawData));
        var set = TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9)));
        Assert.Contains(set.Manifest.RunningStatistics, r => r.Name == "bn.mean");
        var feeds = new Dictionary<string, Feed> { ["x"] = Feed.Of(SmallNets.Uniform(new Random(4), 6 * 3 * 12, 1), 6, 3, 12) };
        using var original = new OrtRunner(model);
        using var infer = new OrtRunner(set.Infer);
        var expected = original.Run(feeds)["logits"].Floats;
        var actual = infer.Run(feeds)["logits"].Floats;
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 6);
        var r = StepLoop.Train(set, feeds, Feed.Of([0L, 1, 2, 2, 1, 0], 6), steps: 30, lr: 0.1f);
        StepLoop.AssertFalls(r.Losses);
    }
}
