using System.Globalization;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Architectures;

/// <summary>
/// The ResNet family for CIFAR (He et al. 2016, §4.2) as the NEq authors' code builds it, as a forward
/// ONNX graph: conv3×3(3→16)-BN-ReLU, three stages of n basic blocks (16, 32, 64 channels; stride 2
/// at the start of stages 2 and 3), global average pool, Linear(64→classes); depth = 6n + 2.
/// </summary>
/// <remarks>
/// <para>Shapes: N batch, C channels, H×W spatial. Input "input" float[N,3,32,32], output "logits"
/// float[N,classes]; N is symbolic.</para>
/// <para>Names follow the PyTorch modules so users recognise them: initializers "conv1.weight",
/// "bn1.weight"/"bn1.bias"/"bn1.running_mean"/"bn1.running_var", "layer1.0.conv1.weight", …,
/// "linear.weight" ([classes,64], used by Gemm with transB = 1), "linear.bias"; nodes "conv1", "bn1",
/// "relu", "layer{s}.{b}.conv1", ".bn1", ".relu1", ".conv2", ".bn2", ".shortcut.slice",
/// ".shortcut.pad", ".add", ".relu2", then "avgpool", "flatten", "linear".</para>
/// <para>Basic block: conv3×3-BN-ReLU-conv3×3-BN, plus the shortcut, then ReLU; convs have no bias.
/// Where the shape changes, the shortcut is "option A": x[:, :, ::2, ::2] with planes/4 zero channels
/// added on each side of the channel axis, so it has no parameters.</para>
/// <para>Initialisation (docs/neq-reference.md): conv weights N(0, 2/(k²·C_out)); BN γ = 1, β = 0,
/// running mean 0, running variance 1; classifier weight N(0, 2/fan_in) (Kaiming normal, fan_in = 64),
/// bias 0. Every BN has its own running-statistics initializers, because ONNX Runtime updates them in
/// place in training mode. BN epsilon is 1e-5 and momentum 0.9 (ONNX's momentum weights the old
/// running value, so this is PyTorch's momentum 0.1).</para>
/// </remarks>
public static class CifarResNet
{
    /// <summary>Name of the image input, float[N,3,32,32].</summary>
    public const string InputName = "input";

    /// <summary>Name of the classifier output, float[N,classes].</summary>
    public const string OutputName = "logits";

    /// <summary>The symbolic batch dimension of the input and output.</summary>
    public const string BatchSymbol = "N";

    /// <summary>BatchNormalization epsilon (PyTorch's default).</summary>
    public const float BatchNormEpsilon = 1e-5f;

    /// <summary>BatchNormalization momentum in ONNX's convention: running = momentum·running + (1 − momentum)·batch.</summary>
    public const float BatchNormMomentum = 0.9f;

    const int ImageSize = 32;
    const int ImageChannels = 3;
    const int Kernel = 3;
    static readonly int[] StagePlanes = [16, 32, 64];

    /// <summary>True when <paramref name="depth"/> is 6n + 2 with n ≥ 1.</summary>
    public static bool IsValidDepth(int depth) => depth >= 8 && (depth - 2) % 6 == 0;

    /// <summary>The number n of basic blocks per stage for depth 6n + 2; throws for any other depth.</summary>
    public static int BlocksPerStage(int depth) => IsValidDepth(depth)
        ? (depth - 2) / 6
        : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
            $"ResNet depth {depth} is not of the form 6n + 2 with n ≥ 1 (for example 20, 32, 44, 56, 110)."));

    /// <summary>Builds the model; the same options always give the same bytes.</summary>
    public static ModelProto Build(CifarResNetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int blocks = BlocksPerStage(options.Depth);
        if (options.Classes < 1)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The number of classes must be at least 1, not {options.Classes}."));

        var g = new GraphBuilder(string.Create(CultureInfo.InvariantCulture, $"resnet{options.Depth}_cifar"));
        var net = new Emitter(g, options.Seed);
        var x = g.AddInput(InputName, new TensorType(DataType.Float,
            [Dim.Sym(BatchSymbol), ImageChannels, ImageSize, ImageSize]));

        x = net.ConvBn("conv1", "bn1", x, ImageChannels, StagePlanes[0], stride: 1);
        x = g.Op("Relu", [x], name: "relu");

        int inPlanes = StagePlanes[0];
        for (int stage = 0; stage < StagePlanes.Length; stage++)
        {
            int planes = StagePlanes[stage];
            for (int b = 0; b < blocks; b++)
            {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                x = net.BasicBlock(string.Create(CultureInfo.InvariantCulture, $"layer{stage + 1}.{b}"), x, inPlanes, planes, stride);
                inPlanes = planes;
            }
        }

        x = g.Op("GlobalAveragePool", [x], name: "avgpool");               // [N,64,1,1]
        x = g.Op("Flatten", [x], [Attr.Int("axis", 1)], name: "flatten"); // [N,64]
        x = net.Linear("linear", x, inPlanes, options.Classes, OutputName);
        g.AddOutput(x, new TensorType(DataType.Float, [Dim.Sym(BatchSymbol), options.Classes]));

        g.Graph.DocString = string.Create(CultureInfo.InvariantCulture,
            $"CIFAR ResNet-{options.Depth} ({blocks} basic blocks per stage, option-A shortcuts), {options.Classes} classes, initialisation seed {options.Seed}.");
        return OnnxModel.Create(g.Graph);
    }

    /// <summary>Emits layers with their initializers; weights are drawn from one stream per tensor name.</summary>
    sealed class Emitter(GraphBuilder g, ulong seed)
    {
        public string BasicBlock(string prefix, string x, int inPlanes, int planes, int stride)
        {
            var h = ConvBn($"{prefix}.conv1", $"{prefix}.bn1", x, inPlanes, planes, stride);
            h = g.Op("Relu", [h], name: $"{prefix}.relu1");
            h = ConvBn($"{prefix}.conv2", $"{prefix}.bn2", h, planes, planes, stride: 1);
            var shortcut = stride != 1 || inPlanes != planes ? ShortcutA($"{prefix}.shortcut", x, planes) : x;
            h = g.Op("Add", [h, shortcut], name: $"{prefix}.add");
            return g.Op("Relu", [h], name: $"{prefix}.relu2");
        }

        public string ConvBn(string convName, string bnName, string x, int inChannels, int outChannels, int stride)
        {
            // He et al.'s initialisation over fan_out = k²·C_out, as the reference code does.
            var w = Normal($"{convName}.weight", [outChannels, inChannels, Kernel, Kernel],
                Math.Sqrt(2.0 / (Kernel * Kernel * outChannels)));
            var y = g.Op("Conv", [x, w],
            [
                Attr.Ints("kernel_shape", Kernel, Kernel),
                Attr.Ints("pads", 1, 1, 1, 1),
                Attr.Ints("strides", stride, stride),
            ], name: convName);
            return g.Op("BatchNormalization",
            [
                y,
                Filled($"{bnName}.weight", outChannels, 1f),
                Filled($"{bnName}.bias", outChannels, 0f),
                Filled($"{bnName}.running_mean", outChannels, 0f),
                Filled($"{bnName}.running_var", outChannels, 1f),
            ],
            [Attr.Float("epsilon", BatchNormEpsilon), Attr.Float("momentum", BatchNormMomentum)], name: bnName);
        }

        // Option A: x[:, :, ::2, ::2], then planes/4 zero channels before and after (C → C + planes/2 = planes).
        string ShortcutA(string prefix, string x, int planes)
        {
            var sliced = g.Op("Slice",
            [
                x,
                g.ConstInts($"{prefix}.starts", 0, 0),
                g.ConstInts($"{prefix}.ends", long.MaxValue, long.MaxValue),
                g.ConstInts($"{prefix}.axes", 2, 3),
                g.ConstInts($"{prefix}.steps", 2, 2),
            ], name: $"{prefix}.slice");
            long p = planes / 4;
            // Pad's pads are [x1_begin, x2_begin, …, x1_end, x2_end, …] over the axes N, C, H, W.
            var pads = g.ConstInts($"{prefix}.pads", 0, p, 0, 0, 0, p, 0, 0);
            return g.Op("Pad", [sliced, pads], [Attr.String("mode", "constant")], name: $"{prefix}.pad");
        }

        public string Linear(string name, string x, int inFeatures, int outFeatures, string output)
        {
            // Kaiming normal over fan_in, as the reference code initialises the classifier.
            var w = Normal($"{name}.weight", [outFeatures, inFeatures], Math.Sqrt(2.0 / inFeatures));
            var b = Filled($"{name}.bias", outFeatures, 0f);
            return g.Op("Gemm", [x, w, b], [Attr.Int("transB", 1)], output: output, name: name);
        }

        string Normal(string name, long[] dims, double std)
        {
            var data = new float[dims.Aggregate(1L, (a, d) => a * d)];
            SeededNormal.ForStream(seed, name).Fill(data, std);
            return g.AddInitializer(Tensors.Float(name, dims, data));
        }

        string Filled(string name, int length, float value)
        {
            var data = new float[length];
            Array.Fill(data, value);
            return g.AddInitializer(Tensors.Float(name, [length], data));
        }
    }
}
