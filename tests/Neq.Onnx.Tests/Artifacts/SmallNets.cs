using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Artifacts;

/// <summary>Small forward models with seeded random parameters, named as PyTorch names modules.</summary>
static class SmallNets
{
    /// <summary>
    /// input [N,3,6,6] → conv (4 channels, 3×3, pad 1, bias) → bn → Relu → GlobalAveragePool →
    /// Flatten → fc (Gemm, transB, 3 classes) → logits [N,3]. Neuron layers: conv, bn (fc is the classifier).
    /// </summary>
    public static ModelProto ConvNet(int seed = 3)
    {
        var rng = new Random(seed);
        var b = new GraphBuilder("small_convnet");
        var x = b.AddInput("input", new TensorType(DataType.Float, [Dim.Sym("N"), 3, 6, 6]));
        var y = b.Op("Conv", [x, Param(b, rng, "conv.weight", [4, 3, 3, 3], 0.3), Param(b, rng, "conv.bias", [4], 0.1)],
            [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1)], name: "conv");
        y = b.Op("BatchNormalization",
            [y, Param(b, rng, "bn.weight", [4], 0.2, offset: 1), Param(b, rng, "bn.bias", [4], 0.1),
             Param(b, rng, "bn.running_mean", [4], 0.1), Param(b, rng, "bn.running_var", [4], 0.2, offset: 1)],
            [Attr.Float("epsilon", 1e-5f), Attr.Float("momentum", 0.9f)], name: "bn");
        y = b.Op("Relu", [y], name: "relu");
        y = b.Op("GlobalAveragePool", [y], name: "pool");
        y = b.Op("Flatten", [y], [Attr.Int("axis", 1)], name: "flatten");
        y = b.Op("Gemm", [y, Param(b, rng, "fc.weight", [3, 4], 0.5), Param(b, rng, "fc.bias", [3], 0.1)], [Attr.Int("transB", 1)],
            output: "logits", name: "fc");
        b.AddOutput(y, new TensorType(DataType.Float, [Dim.Sym("N"), 3]));
        return OnnxModel.Create(b.Graph);
    }

    /// <summary>input [N,4] → fc1 (Gemm 4→5) → Relu → fc2 (Gemm 5→2) → y [N,2]: a regression MLP without BatchNormalization.</summary>
    public static ModelProto Mlp(int seed = 5)
    {
        var rng = new Random(seed);
        var b = new GraphBuilder("small_mlp");
        var x = b.AddInput("input", new TensorType(DataType.Float, [Dim.Sym("N"), 4]));
        var h = b.Op("Gemm", [x, Param(b, rng, "fc1.weight", [5, 4], 0.5), Param(b, rng, "fc1.bias", [5], 0.3)], [Attr.Int("transB", 1)], name: "fc1");
        h = b.Op("Relu", [h], name: "relu");
        var y = b.Op("Gemm", [h, Param(b, rng, "fc2.weight", [2, 5], 0.5), Param(b, rng, "fc2.bias", [2], 0.1)], [Attr.Int("transB", 1)],
            output: "y", name: "fc2");
        b.AddOutput(y, new TensorType(DataType.Float, [Dim.Sym("N"), 2]));
        return OnnxModel.Create(b.Graph);
    }

    /// <summary>An initializer of uniform values in offset ± scale.</summary>
    public static string Param(GraphBuilder b, Random rng, string name, long[] dims, double scale, double offset = 0)
    {
        var data = new float[dims.Aggregate(1L, (a, c) => a * c)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(offset + (rng.NextDouble() * 2 - 1) * scale);
        return b.AddInitializer(Tensors.Float(name, dims, data));
    }

    /// <summary>Uniform random floats in [−scale, scale].</summary>
    public static float[] Uniform(Random rng, long count, double scale) =>
        Enumerable.Range(0, (int)count).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();

    /// <summary>A mask of ones (nothing frozen) for every mask input of the manifest.</summary>
    public static void AddOpenMasks(Dictionary<string, Feed> feeds, Neq.Onnx.Artifacts.ArtifactManifest manifest)
    {
        foreach (var k in manifest.Masks) feeds[k.Name] = Feed.Of(Enumerable.Repeat(1f, k.Channels).ToArray(), k.Channels);
    }

    /// <summary>The float initializers of a model by name.</summary>
    public static Dictionary<string, float[]> Initializers(ModelProto model) =>
        model.Graph.Initializer.Where(t => (DataType)t.DataType == DataType.Float)
            .ToDictionary(t => t.Name, t => t.ToFloatArray(), StringComparer.Ordinal);
}
