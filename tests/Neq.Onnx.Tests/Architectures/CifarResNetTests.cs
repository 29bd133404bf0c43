using Neq.Onnx.Architectures;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Architectures;

public class CifarResNetTests
{
    static readonly ModelProto ResNet32 = CifarResNet.Build(new CifarResNetOptions(32, 10, 0));

    // Parameters by hand for n blocks per stage (3×3 convs without bias; BN γ and β per channel):
    // stem 3·16·9 + 2·16; stage 1: 2n convs 16→16; stage 2: 16→32, then 2n−1 convs 32→32;
    // stage 3: 32→64, then 2n−1 convs 64→64; BN 2n per stage; Linear 64·classes + classes.
    static long ExpectedParameters(int n, int classes) =>
        (3 * 16 * 9 + 2 * 16)
        + (2 * n * 16 * 16 * 9 + 2 * n * 2 * 16)
        + (16 * 32 * 9 + (2 * n - 1) * 32 * 32 * 9 + 2 * n * 2 * 32)
        + (32 * 64 * 9 + (2 * n - 1) * 64 * 64 * 9 + 2 * n * 2 * 64)
        + (64 * classes + classes);

    static long CountParameters(ModelProto m) => m.Graph.Initializer
        .Where(t => t.DataType == (int)DataType.Float && !t.Name.EndsWith(".running_mean", StringComparison.Ordinal)
            && !t.Name.EndsWith(".running_var", StringComparison.Ordinal))
        .Sum(t => t.ElementCount());

    [Fact]
    public void ResNet32_has_464154_parameters()
    {
        Assert.Equal(464_154, ExpectedParameters(5, 10));
        Assert.Equal(464_154, CountParameters(ResNet32));
    }

    [Theory]
    [InlineData(20, 10)]
    [InlineData(44, 10)]
    [InlineData(56, 100)]
    [InlineData(110, 10)]
    public void Other_depths_have_the_formulas_parameter_count(int depth, int classes)
    {
        var model = CifarResNet.Build(new CifarResNetOptions(depth, classes, 3));
        Assert.Equal(ExpectedParameters((depth - 2) / 6, classes), CountParameters(model));
    }

    [Fact]
    public void ResNet20_and_110_match_published_parameter_counts()
    {
        // He et al. 2016, Table 6: 0.27 M and 1.7 M parameters.
        Assert.Equal(0.27e6, CountParameters(CifarResNet.Build(new CifarResNetOptions(20))), 0.005e6);
        Assert.Equal(1.7e6, CountParameters(CifarResNet.Build(new CifarResNetOptions(110))), 0.05e6);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(33)]
    [InlineData(-4)]
    public void Invalid_depth_is_rejected_with_a_clear_message(int depth)
    {
        var e = Assert.Throws<ArgumentException>(() => CifarResNet.Build(new CifarResNetOptions(depth)));
        Assert.Contains($"depth {depth}", e.Message, StringComparison.Ordinal);
        Assert.Contains("6n + 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_classes_is_rejected() =>
        Assert.Throws<ArgumentException>(() => CifarResNet.Build(new CifarResNetOptions(20, 0)));

    [Fact]
    public void Inputs_outputs_and_opset_are_as_specified()
    {
        var g = ResNet32.Graph;
        var input = Assert.Single(g.Input);
        Assert.Equal("input", input.Name);
        Assert.Equal("float[N,3,32,32]", TensorType.FromValueInfo(input)!.ToString());
        var output = Assert.Single(g.Output);
        Assert.Equal("logits", output.Name);
        Assert.Equal("float[N,10]", TensorType.FromValueInfo(output)!.ToString());
        Assert.Equal(OnnxModel.DefaultOpset, ResNet32.OpsetOf(""));
        Assert.Equal(OnnxModel.DefaultIrVersion, ResNet32.IrVersion);
    }

    [Fact]
    public void Structure_has_the_expected_layers_and_names()
    {
        var g = ResNet32.Graph;
        int Count(string op) => g.Node.Count(n => n.OpType == op);
        // 1 stem conv + 2 per block × 15 blocks; one BN per conv; 2 downsampling shortcuts.
        Assert.Equal(31, Count("Conv"));
        Assert.Equal(31, Count("BatchNormalization"));
        Assert.Equal(1 + 2 * 15, Count("Relu"));
        Assert.Equal(15, Count("Add"));
        Assert.Equal(2, Count("Slice"));
        Assert.Equal(2, Count("Pad"));
        Assert.Equal(["GlobalAveragePool", "Flatten", "Gemm"], g.Node.TakeLast(3).Select(n => n.OpType));

        var names = g.Node.Select(n => n.Name).ToArray();
        Assert.Equal(names.Length, names.Distinct().Count());
        Assert.Equal(["conv1", "bn1", "relu", "layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu1", "layer1.0.conv2", "layer1.0.bn2", "layer1.0.add", "layer1.0.relu2"],
            names.Take(10));
        Assert.Contains("layer2.0.shortcut.slice", names);
        Assert.Contains("layer3.0.shortcut.pad", names);
        Assert.Contains("layer3.4.relu2", names);

        var inits = g.Initializer.ToDictionary(t => t.Name);
        Assert.Equal([16L, 3, 3, 3], inits["conv1.weight"].Dims);
        Assert.Equal([32L, 16, 3, 3], inits["layer2.0.conv1.weight"].Dims);
        Assert.Equal([64L, 64, 3, 3], inits["layer3.4.conv2.weight"].Dims);
        Assert.Equal([10L, 64], inits["linear.weight"].Dims);
        Assert.Equal([10L], inits["linear.bias"].Dims);
        foreach (var suffix in new[] { "weight", "bias", "running_mean", "running_var" })
            Assert.Equal([64L], inits[$"layer3.4.bn2.{suffix}"].Dims);
        var gemm = g.Node.Single(n => n.OpType == "Gemm");
        Assert.Equal(1, gemm.GetInt("transB", 0));
        Assert.Equal(["flatten_out", "linear.weight", "linear.bias"], gemm.Input);
    }

    [Fact]
    public void Every_BatchNorm_has_its_own_statistics_and_PyTorch_settings()
    {
        var bns = ResNet32.Graph.Node.Where(n => n.OpType == "BatchNormalization").ToArray();
        var statInputs = bns.SelectMany(n => n.Input.Skip(3)).ToArray();
        Assert.Equal(2 * bns.Length, statInputs.Distinct().Count());
        foreach (var bn in bns)
        {
            Assert.Equal(1e-5f, bn.GetFloat("epsilon", 0));
            Assert.Equal(0.9f, bn.GetFloat("momentum", 0)); // PyTorch's momentum 0.1
        }
    }

    [Fact]
    public void Shortcut_subsamples_by_two_and_pads_a_quarter_of_the_planes_on_each_side()
    {
        var g = ResNet32.Graph;
        var inits = g.Initializer.ToDictionary(t => t.Name);
        var slice = g.Node.Single(n => n.Name == "layer3.0.shortcut.slice");
        Assert.Equal("layer2.4.relu2_out", slice.Input[0]);
        Assert.Equal([0L, 0], inits[slice.Input[1]].ToInt64Array());
        Assert.Equal([2L, 3], inits[slice.Input[3]].ToInt64Array());
        Assert.Equal([2L, 2], inits[slice.Input[4]].ToInt64Array());
        var pad = g.Node.Single(n => n.Name == "layer3.0.shortcut.pad");
        Assert.Equal(slice.Output[0], pad.Input[0]);
        // 32 channels + 16 + 16 = 64 = planes; 64/4 = 16.
        Assert.Equal([0L, 16, 0, 0, 0, 16, 0, 0], inits[pad.Input[1]].ToInt64Array());
    }

    [Fact]
    public void Initialisation_follows_the_reference()
    {
        var inits = ResNet32.Graph.Initializer.ToDictionary(t => t.Name);
        // Conv weights N(0, 2/(9·C_out)); check the sample sd within 5 standard errors (sd·/√(2m)).
        foreach (var (name, cOut) in new[] { ("layer1.1.conv1.weight", 16), ("layer2.2.conv2.weight", 32), ("layer3.3.conv1.weight", 64) })
            AssertNormal(inits[name].ToFloatArray(), Math.Sqrt(2.0 / (9 * cOut)), name);
        AssertNormal(inits["linear.weight"].ToFloatArray(), Math.Sqrt(2.0 / 64), "linear.weight");
        Assert.All(inits["linear.bias"].ToFloatArray(), v => Assert.Equal(0f, v));
        Assert.All(inits["layer2.1.bn1.weight"].ToFloatArray(), v => Assert.Equal(1f, v));
        Assert.All(inits["layer2.1.bn1.bias"].ToFloatArray(), v => Assert.Equal(0f, v));
        Assert.All(inits["layer2.1.bn1.running_mean"].ToFloatArray(), v => Assert.Equal(0f, v));
        Assert.All(inits["layer2.1.bn1.running_var"].ToFloatArray(), v => Assert.Equal(1f, v));
    }

    static void AssertNormal(float[] values, double sd, string name)
    {
        int m = values.Length;
        var mean = values.Average(v => (double)v);
        var sampleSd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (m - 1));
        Assert.True(Math.Abs(mean) < 5 * sd / Math.Sqrt(m), $"{name}: mean {mean}");
        Assert.True(Math.Abs(sampleSd - sd) < 5 * sd / Math.Sqrt(2.0 * m), $"{name}: sd {sampleSd}, expected {sd}");
    }

    [Fact]
    public void Build_is_deterministic_and_seed_dependent()
    {
        var again = OnnxFile.Serialize(CifarResNet.Build(new CifarResNetOptions(32, 10, 0)));
        Assert.Equal(OnnxFile.Serialize(ResNet32), again);
        var other = CifarResNet.Build(new CifarResNetOptions(32, 10, 1));
        Assert.NotEqual(ResNet32.Graph.Initializer[0].RawData, other.Graph.Initializer[0].RawData);
    }

    [Fact]
    public void Checked_in_model_is_byte_identical_to_a_regeneration()
    {
        // models/README.md: graph-builder resnet --depth 32 --classes 10 -o models/resnet32-cifar10.onnx
        var onDisk = File.ReadAllBytes(RepoPaths.ResNet32Model);
        Assert.True(OnnxFile.Serialize(ResNet32).AsSpan().SequenceEqual(onDisk),
            "models/resnet32-cifar10.onnx differs from a fresh build; regenerate it with the command in models/README.md.");
    }
}
