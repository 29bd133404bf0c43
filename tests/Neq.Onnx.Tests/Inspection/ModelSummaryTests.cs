using Neq.Onnx.Architectures;
using Neq.Onnx.Graphs;
using Neq.Onnx.Inspection;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Inspection;

public class ModelSummaryTests
{
    static readonly ModelSummary ResNet32 = ModelSummaryBuilder.Build(CifarResNet.Build(new CifarResNetOptions(32, 10, 0)));

    [Fact]
    public void ResNet32_conv_MACs_total_68861952()
    {
        // Per sample, a 3×3 conv costs H·W·C_out·C_in·9. Stem at 32×32 (3→16); stage 1 at 32×32:
        // 10 convs 16→16; stage 2 at 16×16: 32←16 once, 9 convs 32→32; stage 3 at 8×8: 64←32 once,
        // 9 convs 64→64.
        long Conv(long hw, long cOut, long cIn) => hw * hw * cOut * cIn * 9;
        long expected = Conv(32, 16, 3) + 10 * Conv(32, 16, 16)
            + Conv(16, 32, 16) + 9 * Conv(16, 32, 32)
            + Conv(8, 64, 32) + 9 * Conv(8, 64, 64);
        Assert.Equal(68_861_952, expected);
        Assert.Equal(expected, ResNet32.MacsOf("Conv"));
        Assert.Equal(442_368, 32 * 32 * 16 * 3 * 3 * 3); // the stem by hand
        var stem = ResNet32.Layers[0];
        Assert.Equal(("conv1", "Conv", 16L, 442_368L), (stem.Name, stem.OpType, stem.OutputChannels, stem.Macs));
        Assert.Equal(64 * 10, ResNet32.MacsOf("Gemm"));
        Assert.Equal(0, ResNet32.MacsOf("BatchNormalization"));
        Assert.True(ResNet32.AllMacsKnown);
    }

    [Fact]
    public void ResNet32_layers_shapes_and_counts()
    {
        Assert.Equal(31 + 31 + 1, ResNet32.Layers.Count);
        var byName = ResNet32.Layers.ToDictionary(l => l.Name);
        Assert.Equal("16,32,32", string.Join(",", byName["conv1"].OutputShape!));
        Assert.Equal("64,8,8", string.Join(",", byName["layer3.0.conv1"].OutputShape!));
        Assert.Equal(32, byName["layer2.3.bn2"].OutputChannels);
        Assert.Equal("10", string.Join(",", byName["linear"].OutputShape!));
        Assert.Equal(10, byName["linear"].OutputChannels);
        // Channels summed over convs = 1,136, the reference's count of conv neurons.
        Assert.Equal(1136, ResNet32.Layers.Where(l => l.OpType == "Conv").Sum(l => l.OutputChannels));
    }

    [Fact]
    public void ResNet32_parameters_inputs_outputs_opsets()
    {
        // 464,154 = the reference's count (conv weights + BN γ, β + Linear), computed in CifarResNetTests.
        Assert.Equal(464_154, ResNet32.ParameterCount);
        Assert.Equal(31 + 2 * 31 + 2, ResNet32.ParameterTensorCount);
        Assert.Equal("input float[N,3,32,32]", $"{ResNet32.Inputs.Single().Name} {ResNet32.Inputs.Single().Type}");
        Assert.Equal("logits float[N,10]", $"{ResNet32.Outputs.Single().Name} {ResNet32.Outputs.Single().Type}");
        Assert.Equal(17, ResNet32.Opsets[""]);
        Assert.Equal(31, ResNet32.OperatorCounts["Conv"]);
        Assert.Equal(2, ResNet32.OperatorCounts["Pad"]);
        Assert.Equal(OnnxModel.Producer, ResNet32.Producer);
    }

    [Fact]
    public void Small_model_MACs_follow_each_operators_formula()
    {
        var g = new GraphBuilder("small");
        var x = g.AddInput("x", new TensorType(DataType.Float, [Dim.Sym("N"), 4, 10, 10]));
        string F(string name, params long[] dims) =>
            g.AddInitializer(Tensors.Float(name, dims, new float[dims.Aggregate(1L, (a, d) => a * d)]));

        // Grouped conv: W [6, 4/2, 3, 3], stride 2, no padding → out [6, 4, 4].
        x = g.Op("Conv", [x, F("c.w", 6, 2, 3, 3)], [Attr.Int("group", 2), Attr.Ints("strides", 2, 2)], name: "c");
        x = g.Op("BatchNormalization", [x, F("bn.s", 6), F("bn.b", 6), F("bn.m", 6), F("bn.v", 6)], name: "bn");
        // ConvTranspose: W [C_in 6, C_out 3, 2, 2], stride 2 → out [3, 8, 8].
        x = g.Op("ConvTranspose", [x, F("t.w", 6, 3, 2, 2)], [Attr.Ints("strides", 2, 2)], name: "t");
        x = g.Op("Mul", [x, g.ConstFloat("half", 0.5f)], name: "scale");
        x = g.Op("Flatten", [x], [Attr.Int("axis", 1)], name: "flat");                 // [N, 192]
        x = g.Op("MatMul", [x, F("mm.w", 192, 5)], name: "mm");                         // [N, 5]
        x = g.Op("Gemm", [x, F("fc.w", 7, 5), F("fc.b", 7)], [Attr.Int("transB", 1)], name: "fc"); // [N, 7]
        F("unused", 3);
        g.AddOutput(x);
        var s = ModelSummaryBuilder.Build(OnnxModel.Create(g.Graph));

        var macs = s.Layers.ToDictionary(l => l.Name, l => l.Macs);
        Assert.Equal(4 * 4 * 6 * (4 / 2) * 3 * 3, macs["c"]);
        Assert.Equal(0, macs["bn"]);
        // Each of the 6·4·4 input values is scattered into 3·2·2 outputs.
        Assert.Equal(6 * 4 * 4 * 3 * 2 * 2, macs["t"]);
        Assert.Equal(192 * 5, macs["mm"]);
        Assert.Equal(5 * 7, macs["fc"]);
        Assert.Equal(["c", "bn", "t", "mm", "fc"], s.Layers.Select(l => l.Name));
        Assert.Equal("3,8,8", string.Join(",", s.Layers.Single(l => l.Name == "t").OutputShape!));
        Assert.Equal(3, s.Layers.Single(l => l.Name == "t").OutputChannels);
        Assert.Equal(7, s.Layers.Single(l => l.Name == "fc").OutputChannels);

        // Counted: c.w 108, bn.s/bn.b 12, t.w 72, mm.w 960, fc.w 35, fc.b 7. Not counted: the BN
        // statistics, the scalar "half" and the unread "unused".
        Assert.Equal(108 + 12 + 72 + 960 + 35 + 7, s.ParameterCount);
        Assert.Equal(7, s.ParameterTensorCount);
    }

    [Fact]
    public void MatMul_of_two_activations_is_not_a_layer()
    {
        var g = new GraphBuilder("attn");
        var a = g.AddInput("a", TensorType.Of(DataType.Float, 2, 3, 4));
        var b = g.AddInput("b", TensorType.Of(DataType.Float, 2, 4, 5));
        g.AddOutput(g.Op("MatMul", [a, b], name: "mm"));
        var s = ModelSummaryBuilder.Build(OnnxModel.Create(g.Graph));
        Assert.Empty(s.Layers);
        Assert.Equal(0, s.ParameterCount);
        Assert.Equal(1, s.OperatorCounts["MatMul"]);
        Assert.Equal(["a", "b"], s.Inputs.Select(v => v.Name));
    }

    [Fact]
    public void Unknown_shapes_leave_MACs_unknown_instead_of_guessing()
    {
        // An operator of a foreign domain has no shape rule, so the Conv after it has no known input.
        var g = new GraphBuilder("mystery");
        var x = g.AddInput("x", new TensorType(DataType.Float, [Dim.Sym("N"), 2, 5, 5]));
        x = g.Op("Mystery", [x], name: "m", domain: "com.example");
        var w = g.AddInitializer(Tensors.Float("w", [4, 2, 3, 3], new float[72]));
        g.AddOutput(g.Op("Conv", [x, w], name: "c"));
        var model = OnnxModel.Create(g.Graph);
        model.ImportOpset("com.example", 1);
        var s = ModelSummaryBuilder.Build(model);

        var conv = Assert.Single(s.Layers);
        Assert.Null(conv.Macs);
        Assert.Equal(4, conv.OutputChannels); // still known from the weight
        Assert.False(s.AllMacsKnown);
        Assert.Equal(1, s.OperatorCounts["com.example:Mystery"]);
        Assert.Equal(1, s.Opsets["com.example"]);
        Assert.Equal(72, s.ParameterCount);
    }
}
