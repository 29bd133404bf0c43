using Neq.Onnx.Artifacts;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Neurons;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Artifacts.Exported;

/// <summary>
/// Models exported at a fixed batch size (torch.onnx.export without dynamic_axes) train at any
/// batch size: the batch becomes symbolic and the constants that bake it in are rewritten.
/// </summary>
public sealed class FixedBatchTests
{
    /// <summary>
    /// x [1,3,6,6] → Conv (4, 3×3, pad 1) → Relu → Reshape to the constant [1,-1] → Gemm (3) →
    /// logits [1,3]; with <paramref name="rank2Bn"/>, a hidden Gemm (6) → BatchNormalization → Relu
    /// sits before the classifier (BN on a rank-2 value, as Keras/PyTorch BatchNorm1d export it).
    /// </summary>
    static ModelProto Model(bool rank2Bn, long[] reshape)
    {
        var rng = new Random(11);
        var b = new GraphBuilder("fixed");
        var x = b.AddInput("x", TensorType.Of(DataType.Float, 1, 3, 6, 6));
        var y = b.Op("Conv", [x, Param(b, rng, "conv.weight", [4, 3, 3, 3], 0.3), Param(b, rng, "conv.bias", [4], 0.1)],
            [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1)], name: "conv");
        y = b.Op("Relu", [y], name: "relu");
        y = b.Op("Reshape", [y, b.AddInitializer(Tensors.Int64Vector("flat_shape", reshape))], name: "flatten");
        if (rank2Bn)
        {
            y = b.Op("Gemm", [y, Param(b, rng, "hidden.weight", [6, 144], 0.1), Param(b, rng, "hidden.bias", [6], 0.1)], [Attr.Int("transB", 1)], name: "hidden");
            y = b.Op("BatchNormalization", [y, Param(b, rng, "bn.weight", [6], 0.2, 1), Param(b, rng, "bn.bias", [6], 0.1),
                Param(b, rng, "bn.running_mean", [6], 0.1), Param(b, rng, "bn.running_var", [6], 0.2, 1)], [Attr.Float("epsilon", 1e-5f)], name: "bn");
            y = b.Op("Relu", [y], name: "relu2");
        }
        long fanIn = rank2Bn ? 6 : 144;
        y = b.Op("Gemm", [y, Param(b, rng, "fc.weight", [3, fanIn], 0.3), Param(b, rng, "fc.bias", [3], 0.1)], [Attr.Int("transB", 1)], output: "logits", name: "fc");
        b.AddOutput(y, TensorType.Of(DataType.Float, 1, 3));
        return OnnxModel.Create(b.Graph, 13);
    }

    static string Param(GraphBuilder b, Random rng, string name, long[] dims, double scale, double offset = 0) =>
        b.AddInitializer(Tensors.Float(name, dims, SmallNets.Uniform(rng, dims.Aggregate(1L, (a, c) => a * c), scale).Select(v => (float)(v + offset)).ToArray()));

    static float[] Images(int n, int seed) => SmallNets.Uniform(new Random(seed), n * 3 * 6 * 6, 1);

    public static TheoryData<bool, long[]> Variants() => new()
    {
        { false, [1, -1] },
        { false, [1, 144] },
        { true, [1, -1] },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Infer_onnx_of_a_batch_1_export_gives_the_per_sample_outputs_at_batch_1_and_5(bool rank2Bn, long[] reshape)
    {
        var model = Model(rank2Bn, reshape);
        var set = TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions()));
        Assert.Equal(FixedBatch.Symbol, set.Infer.Graph.Input.Single().Type.TensorType.Shape.Dim[0].DimParam);
        using var original = new OrtRunner(model);
        using var infer = new OrtRunner(set.Infer);
        foreach (int n in new[] { 1, 5 })
        {
            var images = Images(n, seed: n);
            var batched = infer.Run(new Dictionary<string, Feed> { ["x"] = Feed.Of(images, n, 3, 6, 6) })["logits"];
            Assert.Equal([n, 3], batched.Shape);
            for (int i = 0; i < n; i++)
            {
                var one = original.Run(new Dictionary<string, Feed> { ["x"] = Feed.Of(images[(i * 108)..((i + 1) * 108)], 1, 3, 6, 6) })["logits"].Floats;
                for (int k = 0; k < 3; k++) Assert.Equal(one[k], batched.Floats[i * 3 + k], 5);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_batch_1_export_trains_at_batch_8_with_finite_running_statistics(bool rank2Bn, long[] reshape)
    {
        var set = TrainingArtifacts.Build(Model(rank2Bn, reshape), new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9)));
        var data = new Dictionary<string, Feed> { ["x"] = Feed.Of(Images(8, seed: 3), 8, 3, 6, 6) };
        var r = StepLoop.Train(set, data, Feed.Of([0L, 1, 2, 0, 1, 2, 0, 1], 8), steps: 30, lr: 0.05f);
        StepLoop.AssertFalls(r.Losses);
        foreach (var s in set.Manifest.RunningStatistics)
            Assert.All(r.Final[s.Name].Floats, v => Assert.True(float.IsFinite(v), $"{s.Name}: {v}"));
    }

    [Fact]
    public void The_replaced_shape_constant_is_dropped_with_its_constant_node()
    {
        // As PyTorch writes it: the Reshape's shape from a Constant node, which only the Reshape read.
        var model = Model(rank2Bn: false, [1, -1]);
        var g = model.Graph;
        g.Initializer.Remove(g.Initializer.Single(t => t.Name == "flat_shape"));
        g.Node.Insert(0, new NodeProto { OpType = "Constant", Name = "/Constant", Output = { "flat_shape" },
            Attribute = { Attr.Tensor("value", Tensors.Int64Vector("", [1, -1])) } });
        Assert.Equal(1, FixedBatch.MakeSymbolic(model));
        Assert.DoesNotContain(g.Node, n => n.OpType == "Constant");
        Assert.DoesNotContain(g.Initializer, t => t.Name == "flat_shape");
        Assert.All(g.Node, n => Assert.DoesNotContain("flat_shape", n.Input));
    }

    [Fact]
    public void A_rank_2_batch_norm_trained_at_batch_1_keeps_a_finite_running_variance()
    {
        var set = TrainingArtifacts.Build(Model(rank2Bn: true, [1, -1]), new ArtifactOptions(new OptimizerOptions()));
        var data = new Dictionary<string, Feed> { ["x"] = Feed.Of(Images(1, seed: 4), 1, 3, 6, 6) };
        var r = StepLoop.Train(set, data, Feed.Of([2L], 1), steps: 2, lr: 0.01f);
        Assert.All(r.Final["bn.running_var"].Floats, v => Assert.True(float.IsFinite(v), $"running variance {v}"));
    }

    [Fact]
    public void A_reshape_that_moves_the_fixed_batch_off_the_leading_axis_is_named_in_the_error()
    {
        var b = new GraphBuilder("moved");
        var x = b.AddInput("x", TensorType.Of(DataType.Float, 2, 6));
        var t = b.Op("Transpose", [x], [Attr.Ints("perm", 1, 0)], name: "swap");
        var y = b.Op("Reshape", [t, b.AddInitializer(Tensors.Int64Vector("s", 2, 6))], name: "unswap");
        y = b.Op("Gemm", [y, b.AddInitializer(Tensors.Float("w", [6, 3], new float[18])), b.AddInitializer(Tensors.Float("c", [3], new float[3]))], name: "fc");
        b.AddOutput(y);
        var e = Assert.Throws<OnnxFormatException>(() => TrainingArtifacts.Build(OnnxModel.Create(b.Graph, 13), new ArtifactOptions(new OptimizerOptions())));
        Assert.Contains("'unswap'", e.Message);
    }
}
