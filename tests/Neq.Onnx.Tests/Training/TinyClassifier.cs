using Neq.Onnx.Data;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Training;

/// <summary>
/// A small CIFAR-shaped classifier (Conv 3→8 stride 4 → BN → Relu → Conv 8→8 → BN → Relu →
/// GlobalAveragePool → Flatten → Gemm 8→10) and a synthetic dataset whose label is readable from
/// the image, so a few epochs learn something. Fast enough for the default test suite.
/// </summary>
static class TinyClassifier
{
    public static ModelProto Model(int seed = 3)
    {
        var rng = new Random(seed);
        float[] Randn(int n, double std) => Enumerable.Range(0, n).Select(_ => (float)(std * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();
        var b = new GraphBuilder("tiny");
        b.AddInput("input", new TensorType(DataType.Float, [Dim.Sym("N"), 3, 32, 32]));
        string Bn(string x, string name, int c)
        {
            b.AddInitializer(Tensors.Float($"{name}.weight", [c], Enumerable.Repeat(1f, c).ToArray()));
            b.AddInitializer(Tensors.Float($"{name}.bias", [c], new float[c]));
            b.AddInitializer(Tensors.Float($"{name}.running_mean", [c], new float[c]));
            b.AddInitializer(Tensors.Float($"{name}.running_var", [c], Enumerable.Repeat(1f, c).ToArray()));
            return b.Op("BatchNormalization", [x, $"{name}.weight", $"{name}.bias", $"{name}.running_mean", $"{name}.running_var"],
                [Attr.Float("epsilon", 1e-5f), Attr.Float("momentum", 0.9f)], name: name);
        }
        b.AddInitializer(Tensors.Float("conv1.weight", [8, 3, 4, 4], Randn(8 * 3 * 16, Math.Sqrt(2.0 / (16 * 8)))));
        var x1 = b.Op("Conv", ["input", "conv1.weight"], [Attr.Ints("strides", 4, 4), Attr.Ints("kernel_shape", 4, 4)], name: "conv1");
        var r1 = b.Op("Relu", [Bn(x1, "bn1", 8)], name: "relu1");
        b.AddInitializer(Tensors.Float("conv2.weight", [8, 8, 3, 3], Randn(8 * 8 * 9, Math.Sqrt(2.0 / (9 * 8)))));
        var x2 = b.Op("Conv", [r1, "conv2.weight"], [Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("kernel_shape", 3, 3)], name: "conv2");
        var r2 = b.Op("Relu", [Bn(x2, "bn2", 8)], name: "relu2");
        var gap = b.Op("GlobalAveragePool", [r2], name: "gap");
        var flat = b.Op("Flatten", [gap], [Attr.Int("axis", 1)], name: "flatten");
        b.AddInitializer(Tensors.Float("linear.weight", [10, 8], Randn(80, Math.Sqrt(2.0 / 8))));
        b.AddInitializer(Tensors.Float("linear.bias", [10], new float[10]));
        b.Op("Gemm", [flat, "linear.weight", "linear.bias"], [Attr.Int("transB", 1)], output: "logits", name: "linear");
        b.AddOutput("logits", new TensorType(DataType.Float, [Dim.Sym("N"), 10]));
        return OnnxModel.Create(b.Graph);
    }

    /// <summary>Images whose mean brightness per channel encodes the label, plus noise.</summary>
    public static Cifar10Data Data(int train = 240, int test = 60, int seed = 5)
    {
        var rng = new Random(seed);
        ImageSet Set(int n)
        {
            var pixels = new byte[n * 3072];
            var labels = new byte[n];
            for (int i = 0; i < n; i++)
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
        return new Cifar10Data(Set(train), Set(test), "synthetic");
    }
}
