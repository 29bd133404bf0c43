using Neq.Onnx.Artifacts;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Artifacts.Exported;

/// <summary>
/// Models of opset 7 to 12 are converted to the training opset with the same function: for every
/// converted operator ONNX Runtime's outputs of the original (its own opset) and of the converted
/// model agree on random data (Upsample and Resize with scales that round both ways); a MaxPool model of opset 8 and 9 (its gradient needs opset 11)
/// trains.
/// </summary>
public sealed class OpsetUpgradeTests
{
    static readonly long[] XShape = [2, 3, 4, 5];

    static ModelProto One(long opset, string op, int outputs, IEnumerable<AttributeProto> attributes, params TensorProto[] extraInputs)
    {
        var b = new GraphBuilder("one");
        var x = b.AddInput("x", TensorType.Of(DataType.Float, XShape));
        var inputs = new List<string> { x };
        foreach (var t in extraInputs) inputs.Add(b.AddInitializer(t));
        var node = new NodeProto { OpType = op, Name = "the_" + op.ToLowerInvariant(), Input = { inputs } };
        node.Attribute.AddRange(attributes);
        for (int k = 0; k < outputs; k++) node.Output.Add($"y{k}");
        b.Graph.Node.Add(node);
        for (int k = 0; k < outputs; k++) b.AddOutput($"y{k}");
        return OnnxModel.Create(b.Graph, opset, irVersion: 3);
    }

    static TensorProto Vec(string name, float[] v) => Tensors.Float(name, [v.Length], v);

    public static TheoryData<string, ModelProto> Cases() => new()
    {
        { "BatchNormalization 7 spatial", One(7, "BatchNormalization", 1, [Attr.Int("spatial", 1), Attr.Float("epsilon", 1e-3f)],
            Vec("s", [1.5f, 0.5f, 2]), Vec("b", [0.1f, -0.2f, 0.3f]), Vec("m", [0.2f, 0, -0.1f]), Vec("v", [1.2f, 0.7f, 2])) },
        { "BatchNormalization 8", One(8, "BatchNormalization", 1, [],
            Vec("s", [1.5f, 0.5f, 2]), Vec("b", [0.1f, -0.2f, 0.3f]), Vec("m", [0.2f, 0, -0.1f]), Vec("v", [1.2f, 0.7f, 2])) },
        { "Clip 7 min max", One(7, "Clip", 1, [Attr.Float("min", -0.3f), Attr.Float("max", 0.4f)]) },
        { "Clip 10 max only", One(10, "Clip", 1, [Attr.Float("max", 0.25f)]) },
        { "Dropout 7", One(7, "Dropout", 1, [Attr.Float("ratio", 0.3f)]) },
        { "Dropout 10", One(10, "Dropout", 1, [Attr.Float("ratio", 0.7f)]) },
        { "Pad 7 constant", One(7, "Pad", 1, [Attr.Ints("pads", 0, 1, 2, 0, 0, 0, 1, 3), Attr.Float("value", 1.5f)]) },
        { "Pad 10 reflect", One(10, "Pad", 1, [Attr.String("mode", "reflect"), Attr.Ints("pads", 0, 0, 1, 2, 0, 0, 2, 1)]) },
        { "Slice 7 axes", One(7, "Slice", 1, [Attr.Ints("starts", 1, -3), Attr.Ints("ends", 3, 100), Attr.Ints("axes", 2, 3)]) },
        { "Slice 9 no axes", One(9, "Slice", 1, [Attr.Ints("starts", 0, 1), Attr.Ints("ends", 1, 3)]) },
        { "Split 7", One(7, "Split", 2, [Attr.Int("axis", 3), Attr.Ints("split", 2, 3)]) },
        { "Split 11 equal", One(11, "Split", 2, [Attr.Int("axis", 0)]) },
        { "Unsqueeze 11", One(11, "Unsqueeze", 1, [Attr.Ints("axes", 0, 3)]) },
        { "ReduceSum 11", One(11, "ReduceSum", 1, [Attr.Ints("axes", 1, 3), Attr.Int("keepdims", 0)]) },
        { "TopK 7", One(7, "TopK", 2, [Attr.Int("k", 2), Attr.Int("axis", 3)]) },
        { "Softmax 11 axis 1", One(11, "Softmax", 1, [Attr.Int("axis", 1)]) },
        { "Softmax 11 default", One(11, "Softmax", 1, []) },
        { "Softmax 11 last", One(11, "Softmax", 1, [Attr.Int("axis", 3)]) },
        { "LogSoftmax 9 axis 2", One(9, "LogSoftmax", 1, [Attr.Int("axis", 2)]) },
        { "Hardmax 11 axis 2", One(11, "Hardmax", 1, [Attr.Int("axis", 2)]) },
        { "Squeeze 11", Squeeze() },
        { "Upsample 7 nearest", One(7, "Upsample", 1, [Attr.Floats("scales", 1, 1, 2, 3)]) },
        { "Upsample 7 linear", One(7, "Upsample", 1, [Attr.String("mode", "linear"), Attr.Floats("scales", 1, 1, 2, 1.5f)]) },
        { "Upsample 9 nearest", One(9, "Upsample", 1, [], Vec("scales", [1, 1, 3, 2])) },
        { "Upsample 9 linear", One(9, "Upsample", 1, [Attr.String("mode", "linear")], Vec("scales", [1, 1, 2, 2.5f])) },
        { "Resize 10 nearest down and up", One(10, "Resize", 1, [], Vec("scales", [1, 1, 0.5f, 1.5f])) },
        { "Resize 10 linear", One(10, "Resize", 1, [Attr.String("mode", "linear")], Vec("scales", [1, 1, 2, 3])) },
        { "Resize 11 tf_half_pixel_for_nn floor", One(11, "Resize", 1, [Attr.String("coordinate_transformation_mode", "tf_half_pixel_for_nn"), Attr.String("nearest_mode", "floor")],
            Vec("roi", []), Vec("scales", [1, 1, 3, 1.6f])) },
        { "Resize 11 tf_half_pixel_for_nn default rounding", One(11, "Resize", 1, [Attr.String("coordinate_transformation_mode", "tf_half_pixel_for_nn")],
            Vec("roi", []), Vec("scales", [1, 1, 2.5f, 0.6f])) },
        { "Resize 11 sizes pytorch_half_pixel linear", One(11, "Resize", 1, [Attr.String("coordinate_transformation_mode", "pytorch_half_pixel"), Attr.String("mode", "linear")],
            Vec("roi", []), Vec("scales", []), Tensors.Int64("sizes", [4], [2, 3, 7, 9])) },
    };

    static ModelProto Squeeze()
    {
        var m = One(11, "Squeeze", 1, [Attr.Ints("axes", 0)]);
        m.Graph.Input[0] = TensorType.Of(DataType.Float, 1, 3, 4, 5).ToValueInfo("x");
        return m;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_converted_operator_gives_onnx_runtimes_output_of_the_original(string name, ModelProto model)
    {
        var converted = model.Clone();
        Assert.True(OpsetUpgrade.ToTraining(converted), name);
        Assert.Equal(OpsetUpgrade.TrainingOpset, converted.OpsetOf(""));
        var shape = model.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue).ToArray();
        var feeds = new Dictionary<string, Feed> { ["x"] = Feed.Of(SmallNets.Uniform(new Random(name.Length), shape.Aggregate(1L, (a, b) => a * b), 2), shape) };
        using var before = new OrtRunner(model);
        using var after = new OrtRunner(converted);
        var expected = before.Run(feeds);
        var actual = after.Run(feeds);
        foreach (var (output, value) in expected)
        {
            Assert.Equal(value.Shape, actual[output].Shape);
            if (value.Data is float[] f)
                for (int i = 0; i < f.Length; i++) Assert.Equal(f[i], actual[output].Floats[i], 6);
            else Assert.Equal(value.Longs, actual[output].Longs);
        }
    }

    [Fact]
    public void A_model_at_the_training_opset_or_later_is_left_alone()
    {
        var model = One(13, "Softmax", 1, []);
        Assert.False(OpsetUpgrade.ToTraining(model));
        Assert.Equal(13, model.OpsetOf(""));
    }

    [Fact]
    public void An_operator_that_is_not_converted_is_one_error_naming_node_operator_and_opset()
    {
        var model = One(9, "Upsample", 1, [Attr.String("mode", "cubic")], Vec("scales", [1, 1, 2, 2]));
        var e = Assert.Throws<OnnxFormatException>(() => OpsetUpgrade.ToTraining(model));
        Assert.Contains("'the_upsample'", e.Message);
        Assert.Contains("Upsample", e.Message);
        Assert.Contains("opset 9", e.Message);
        Assert.Contains("cubic", e.Message);
    }

    /// <summary>x [N,3,8,8] → Conv (4, 3×3, pad 1) → Relu → MaxPool 2×2 → Flatten → Gemm (3) → Softmax at <paramref name="opset"/>.</summary>
    static ModelProto PoolNet(long opset)
    {
        var rng = new Random(5);
        var b = new GraphBuilder("pool");
        var x = b.AddInput("x", new TensorType(DataType.Float, [Dim.Sym("N"), 3, 8, 8]));
        string P(string n, long[] d, double s) => b.AddInitializer(Tensors.Float(n, d, SmallNets.Uniform(rng, d.Aggregate(1L, (p, q) => p * q), s)));
        var y = b.Op("Conv", [x, P("conv.weight", [4, 3, 3, 3], 0.3), P("conv.bias", [4], 0.1)], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1)], name: "conv");
        y = b.Op("Relu", [y], name: "relu");
        y = b.Op("MaxPool", [y], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)], name: "pool");
        y = b.Op("Flatten", [y], [Attr.Int("axis", 1)], name: "flatten");
        y = b.Op("Gemm", [y, P("fc.weight", [3, 64], 0.2), P("fc.bias", [3], 0.1)], [Attr.Int("transB", 1)], name: "fc");
        y = b.Op("Softmax", [y], [Attr.Int("axis", 1)], output: "probs", name: "softmax");
        b.AddOutput(y, new TensorType(DataType.Float, [Dim.Sym("N"), 3]));
        return OnnxModel.Create(b.Graph, opset, irVersion: 3);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(9)]
    public void A_maxpool_model_of_an_old_opset_gets_artifacts_that_compute_its_forward_and_train(long opset)
    {
        var model = PoolNet(opset);
        var set = TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9)));
        var feeds = new Dictionary<string, Feed> { ["x"] = Feed.Of(SmallNets.Uniform(new Random(2), 6 * 3 * 64, 1), 6, 3, 8, 8) };
        using var original = new OrtRunner(model);
        using var infer = new OrtRunner(set.Infer);
        var expected = original.Run(feeds)["probs"].Floats;
        var actual = infer.Run(feeds)["probs"].Floats;
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 6);
        var r = StepLoop.Train(set, feeds, Feed.Of([0L, 1, 2, 2, 1, 0], 6), steps: 30, lr: 0.1f);
        StepLoop.AssertFalls(r.Losses);
    }

    /// <summary>x [N,3,4,4] → Conv (4, 3×3, pad 1) → Relu → Upsample ×2 nearest (opset 9) → Conv (3, 3×3, stride 2) → GlobalAveragePool → Flatten → Softmax.</summary>
    static ModelProto UpsampleNet()
    {
        var rng = new Random(6);
        var b = new GraphBuilder("upsample");
        var x = b.AddInput("x", new TensorType(DataType.Float, [Dim.Sym("N"), 3, 4, 4]));
        string P(string n, long[] d, double s) => b.AddInitializer(Tensors.Float(n, d, SmallNets.Uniform(rng, d.Aggregate(1L, (p, q) => p * q), s)));
        var y = b.Op("Conv", [x, P("conv1.weight", [4, 3, 3, 3], 0.3), P("conv1.bias", [4], 0.1)], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1)], name: "conv1");
        y = b.Op("Relu", [y], name: "relu");
        y = b.Op("Upsample", [y, b.AddInitializer(Vec("up.scales", [1, 1, 2, 2]))], name: "up");
        y = b.Op("Conv", [y, P("conv2.weight", [3, 4, 3, 3], 0.3), P("conv2.bias", [3], 0.1)], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2)], name: "conv2");
        y = b.Op("GlobalAveragePool", [y], name: "gap");
        y = b.Op("Flatten", [y], [Attr.Int("axis", 1)], name: "flatten");
        y = b.Op("Softmax", [y], [Attr.Int("axis", 1)], output: "probs", name: "softmax");
        b.AddOutput(y, new TensorType(DataType.Float, [Dim.Sym("N"), 3]));
        return OnnxModel.Create(b.Graph, 9, irVersion: 4);
    }

    [Fact]
    public void An_upsample_model_of_opset_9_gets_artifacts_that_compute_its_forward_and_train()
    {
        var model = UpsampleNet();
        var set = TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9)));
        var feeds = new Dictionary<string, Feed> { ["x"] = Feed.Of(SmallNets.Uniform(new Random(3), 6 * 3 * 16, 1), 6, 3, 4, 4) };
        using var original = new OrtRunner(model);
        using var infer = new OrtRunner(set.Infer);
        var expected = original.Run(feeds)["probs"].Floats;
        var actual = infer.Run(feeds)["probs"].Floats;
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 6);
        var r = StepLoop.Train(set, feeds, Feed.Of([0L, 1, 2, 2, 1, 0], 6), steps: 30, lr: 0.2f);
        StepLoop.AssertFalls(r.Losses);
    }
}
