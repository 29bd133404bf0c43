using Neq.Onnx.Architectures;
using Neq.Onnx.Data;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Mpi.Probe;

/// <summary>The probe's models (CIFAR-shaped [N,3,32,32] → logits [N,10]) and a synthetic dataset.</summary>
static class ProbeNets
{
    /// <summary>"plain": no BatchNormalization, so K ranks compute the same step as one process; "bn": the same with BN; "resnetD": CifarResNet of depth D.</summary>
    public static ModelProto Model(string name) => name switch
    {
        "plain" => Small(batchNorm: false),
        "bn" => Small(batchNorm: true),
        _ when name.StartsWith("resnet", StringComparison.Ordinal) && int.TryParse(name[6..], out var depth) => CifarResNet.Build(new CifarResNetOptions(depth, 10, Seed: 1)),
        _ => throw new ArgumentException($"--model must be plain, bn or resnetD, not '{name}'."),
    };

    /// <summary>Conv 3→8 (4×4, stride 4) [→ BN] → Relu → Conv 8→8 (3×3) [→ BN] → Relu → GlobalAveragePool → Flatten → Gemm 8→10.</summary>
    static ModelProto Small(bool batchNorm)
    {
        var rng = new Random(3);
        float[] Uniform(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        var b = new GraphBuilder(batchNorm ? "probe_bn" : "probe_plain");
        b.AddInput("input", new TensorType(DataType.Float, [Dim.Sym("N"), 3, 32, 32]));
        string Norm(string x, string name, int c)
        {
            if (!batchNorm) return x;
            b.AddInitializer(Tensors.Float($"{name}.weight", [c], Enumerable.Repeat(1f, c).ToArray()));
            b.AddInitializer(Tensors.Float($"{name}.bias", [c], new float[c]));
            b.AddInitializer(Tensors.Float($"{name}.running_mean", [c], new float[c]));
            b.AddInitializer(Tensors.Float($"{name}.running_var", [c], Enumerable.Repeat(1f, c).ToArray()));
            return b.Op("BatchNormalization", [x, $"{name}.weight", $"{name}.bias", $"{name}.running_mean", $"{name}.running_var"],
                [Attr.Float("epsilon", 1e-5f), Attr.Float("momentum", 0.9f)], name: name);
        }
        b.AddInitializer(Tensors.Float("conv1.weight", [8, 3, 4, 4], Uniform(8 * 3 * 16, 0.2)));
        b.AddInitializer(Tensors.Float("conv1.bias", [8], Uniform(8, 0.1)));
        var x1 = b.Op("Conv", ["input", "conv1.weight", "conv1.bias"], [Attr.Ints("strides", 4, 4), Attr.Ints("kernel_shape", 4, 4)], name: "conv1");
        var r1 = b.Op("Relu", [Norm(x1, "bn1", 8)], name: "relu1");
        b.AddInitializer(Tensors.Float("conv2.weight", [8, 8, 3, 3], Uniform(8 * 8 * 9, 0.2)));
        var x2 = b.Op("Conv", [r1, "conv2.weight"], [Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("kernel_shape", 3, 3)], name: "conv2");
        var r2 = b.Op("Relu", [Norm(x2, "bn2", 8)], name: "relu2");
        var gap = b.Op("GlobalAveragePool", [r2], name: "gap");
        var flat = b.Op("Flatten", [gap], [Attr.Int("axis", 1)], name: "flatten");
        b.AddInitializer(Tensors.Float("linear.weight", [10, 8], Uniform(80, 0.5)));
        b.AddInitializer(Tensors.Float("linear.bias", [10], new float[10]));
        b.Op("Gemm", [flat, "linear.weight", "linear.bias"], [Attr.Int("transB", 1)], output: "logits", name: "linear");
        b.AddOutput("logits", new TensorType(DataType.Float, [Dim.Sym("N"), 10]));
        return OnnxModel.Create(b.Graph);
    }

    /// <summary>Seeded 32×32 RGB images whose channel brightness encodes the label, plus noise.</summary>
    public static ImageSet Images(int count, int seed)
    {
        var rng = new Random(seed);
        var pixels = new byte[count * 3072];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)rng.Next(10);
            for (int c = 0; c < 3; c++)
            {
                int level = 40 + 20 * ((labels[i] + c * 3) % 10);
                for (int k = 0; k < 1024; k++) pixels[i * 3072 + c * 1024 + k] = (byte)Math.Clamp(level + rng.Next(-30, 31), 0, 255);
            }
        }
        return new ImageSet(pixels, labels, 3, 32, 32);
    }
}
