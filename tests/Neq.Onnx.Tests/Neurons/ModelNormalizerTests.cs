using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Neurons;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Neurons;

/// <summary>
/// What <see cref="ModelNormalizer"/> rewrites and what it leaves alone; the folded values are
/// checked against the exporter's data re-indexed by hand. (That outputs do not change is checked
/// for every pattern by <see cref="ExporterPatternTests"/>.)
/// </summary>
public sealed class ModelNormalizerTests
{
    static Dictionary<string, TensorProto> Constants(ModelProto m) =>
        m.Graph.Node.Where(n => n.OpType == "Constant").ToDictionary(n => n.Output[0], n => n.Attribute[0].T);

    static TensorProto Init(ModelProto m, string name) => Assert.Single(m.Graph.Initializer, t => t.Name == name);

    [Fact]
    public void Weights_in_Constant_nodes_become_initializers_and_other_constants_stay()
    {
        var m = ExporterPatterns.TorchConstants().Model;
        var before = Constants(m);
        ModelNormalizer.Normalize(m);

        Assert.Equal(["onnx::Pad_23", "onnx::Mul_27", "onnx::Reshape_31"], Constants(m).Keys);
        foreach (var w in new[] { "onnx::Conv_21", "onnx::Conv_22", "onnx::Conv_29", "onnx::Gemm_33", "onnx::Gemm_34" })
        {
            var t = Init(m, w);
            Assert.Equal(before[w].Dims, t.Dims);
            Assert.Equal(before[w].ToFloatArray(), t.ToFloatArray());
        }
    }

    [Fact]
    public void Initializers_listed_as_inputs_are_removed_from_the_inputs()
    {
        var torch = ExporterPatterns.TorchInitializersAsInputs().Model;
        Assert.Equal(9, torch.Graph.Input.Count); // the image and 8 parameters
        ModelNormalizer.Normalize(torch);
        Assert.Equal(["input.1"], torch.Graph.Input.Select(i => i.Name));
        Assert.Equal(8, torch.Graph.Initializer.Count);
    }

    [Fact]
    public void Weights_reaching_MatMul_through_Reshape_or_Transpose_fold_into_one_initializer()
    {
        var m = ExporterPatterns.MatMulThroughReshape().Model;
        var flat = Constants(m)["dense/kernel/read:0"].ToFloatArray();
        var fc2 = Init(m, "fc2.weight").ToFloatArray(); // [3, 6]
        ModelNormalizer.Normalize(m);

        var kernel = Init(m, "dense/kernel/Reshape:0");
        Assert.Equal([12L, 6], kernel.Dims);
        Assert.Equal(flat, kernel.ToFloatArray()); // a reshape keeps row-major order
        var t = Init(m, "onnx::MatMul_9");
        Assert.Equal([6L, 3], t.Dims);
        var tv = t.ToFloatArray();
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(fc2[j * 6 + i], tv[i * 3 + j]);
        Assert.Equal([6L], Init(m, "dense/bias:0").Dims);

        // The chains are gone: no Reshape/Transpose/Constant left, and fc2.weight (read by the Transpose only) too.
        Assert.Equal(["MatMul", "Add", "Relu", "MatMul", "Add"], m.Graph.Node.Select(n => n.OpType));
        Assert.DoesNotContain(m.Graph.Initializer, i => i.Name == "fc2.weight");
    }

    [Fact]
    public void An_HWIO_kernel_transposed_to_OIHW_folds_to_the_transposed_values()
    {
        var m = ExporterPatterns.NhwcTranspose().Model;
        var hwio = Constants(m)["model/conv/Conv2D/ReadVariableOp:0"].ToFloatArray(); // [3, 3, 3, 8]
        ModelNormalizer.Normalize(m);
        var oihw = Init(m, "model/conv/Conv2D/ReadVariableOp__7:0");
        Assert.Equal([8L, 3, 3, 3], oihw.Dims);
        var v = oihw.ToFloatArray();
        for (int o = 0; o < 8; o++)
            for (int i = 0; i < 3; i++)
                for (int h = 0; h < 3; h++)
                    for (int w = 0; w < 3; w++)
                        Assert.Equal(hwio[((h * 3 + w) * 3 + i) * 8 + o], v[((o * 3 + i) * 3 + h) * 3 + w]);
        // The input's NHWC→NCHW Transpose is data, not a weight: it stays.
        Assert.Equal(2, m.Graph.Node.Count(n => n.OpType == "Transpose"));
    }

    [Fact]
    public void A_bias_unsqueezed_from_a_Constant_folds_to_its_broadcast_shape()
    {
        var m = ExporterPatterns.Get("tf2onnx: bias by separate Add, Conv1D, MatMul dense").Model;
        var bias = Constants(m)["conv1d_1/bias:0"].ToFloatArray();
        ModelNormalizer.Normalize(m);
        var t = Init(m, "conv1d_1/bias/ExpandDims:0");
        Assert.Equal([5L, 1], t.Dims);
        Assert.Equal(bias, t.ToFloatArray());
        Assert.DoesNotContain(m.Graph.Node, n => n.OpType is "Unsqueeze" or "Constant");
    }

    [Fact]
    public void A_detection_graph_is_left_as_it_is()
    {
        // Its constants are scales, slice bounds, a grid, anchors and a prior added to a conv
        // output (not a per-channel bias): none is a weight.
        var m = ExporterPatterns.Detection().Model;
        var before = m.Clone();
        ModelNormalizer.Normalize(m);
        Assert.Equal(before, m);
    }

    [Fact]
    public void Identity_chains_from_an_initializer_are_bypassed_and_float16_Cast_chains_fold()
    {
        var n = new Net(31);
        n.Input("x", [1, 2, 4, 4]);
        n.Init("conv.weight", 2, 2, 1, 1);
        n.Op("Identity", ["conv.weight"], "onnx::Conv_5", "Identity_0");
        n.Op("Conv", ["x", "onnx::Conv_5"], "y", "Conv_1");
        var halves = new[] { 0.5f, -1.25f }.Select(v => (Half)v).ToArray();
        var t16 = new TensorProto { DataType = (int)DataType.Float16 };
        t16.Dims.Add(2);
        t16.Int32Data.AddRange(halves.Select(h => (int)BitConverter.HalfToUInt16Bits(h)));
        n.Const("b16", t16, "Constant_2");
        n.Op("Cast", ["b16"], "onnx::Conv_6", "Cast_3", Net.Int("to", (long)DataType.Float));
        n.Op("Conv", ["y", "onnx::Conv_5", "onnx::Conv_6"], "z", "Conv_4"); // second reader of the Identity
        n.Output("z");
        var m = n.Model(13, 7, "pytorch");
        var original = m.Clone();
        ModelNormalizer.Normalize(m);

        Assert.Equal(["Conv", "Conv"], m.Graph.Node.Select(x => x.OpType));
        Assert.All(m.Graph.Node, c => Assert.Equal("conv.weight", c.Input[1]));
        var bias = Init(m, "onnx::Conv_6");
        Assert.Equal((int)DataType.Float, bias.DataType);
        Assert.Equal([0.5f, -1.25f], bias.ToFloatArray());
        // One weight read by two convs belongs to the first only.
        var layer = Assert.Single(NeuronLayers.Find(m));
        Assert.Equal(("conv", "Conv_1"), (layer.Name, layer.NodeName));

        var feeds = OrtRunner.Feeds(n.Feeds);
        Assert.Equal(OrtRunner.Run(original, feeds, ["z"], optimize: false)["z"], OrtRunner.Run(m, feeds, ["z"], optimize: false)["z"]);
    }

    [Fact]
    public void Normalizing_twice_changes_nothing_more_and_keeps_mask_inputs()
    {
        foreach (var name in ExporterPatterns.All.Keys)
        {
            var once = ExporterPatterns.Get(name).Model;
            ModelNormalizer.Normalize(once);
            var twice = once.Clone();
            ModelNormalizer.Normalize(twice);
            Assert.Equal(once, twice);
        }
        var injected = ExporterPatterns.Get("pytorch 2.x: named initializers").Model;
        MaskInjection.Inject(injected, new MaskInjectionOptions());
        var inputs = injected.Graph.Input.Select(i => i.Name).ToList();
        ModelNormalizer.Normalize(injected);
        Assert.Equal(inputs, injected.Graph.Input.Select(i => i.Name));
    }
}
