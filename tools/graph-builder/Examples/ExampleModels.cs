using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.GraphBuilderTool.Examples;

/// <summary>
/// Small untrained models written the way exporters write them, for the README's "Bring your own
/// model" runs: the same seed gives byte-identical files. Weights are He-initialised (normal,
/// variance 2/fan-in), biases zero.
/// </summary>
static class ExampleModels
{
    /// <summary>The pattern names <c>graph-builder example --pattern</c> takes.</summary>
    public static IReadOnlyList<string> Patterns { get; } = ["pytorch-mnist", "keras-nhwc", "signal1d"];

    public static ModelProto Build(string pattern, int seed) => pattern switch
    {
        "pytorch-mnist" => PytorchMnist(new Random(seed)),
        "keras-nhwc" => KerasNhwc(new Random(seed)),
        "signal1d" => Signal1d(new Random(seed)),
        _ => throw new ArgumentException($"--pattern must be one of {string.Join(", ", Patterns)}, not '{pattern}'."),
    };

    /// <summary>A one-line description per pattern, printed after writing.</summary>
    public static string Describe(string pattern) => pattern switch
    {
        "pytorch-mnist" => "torch.onnx.export of an MNIST CNN with a dummy input of batch 1 (opset 11): input.1 [1,1,28,28] → Conv-Relu-MaxPool ×2 → Reshape by a Constant [1,-1] → Gemm → [1,10]",
        "keras-nhwc" => "tf2onnx export of a Keras CIFAR CNN (opset 13): input_1 [N,32,32,3] → Transpose [0,3,1,2] → Conv-Relu-MaxPool, Conv-Relu → GlobalAveragePool → MatMul + Add → Softmax [N,10]",
        _ => "a 1-D signal classifier (opset 13): signal [N,1,64] → Conv1d k5-Relu-MaxPool, Conv1d k3-Relu → GlobalAveragePool → Flatten → Gemm → [N,3]",
    };

    static float[] He(Random rng, long count, long fanIn) =>
        Enumerable.Range(0, (int)count).Select(_ => (float)(Math.Sqrt(2.0 / fanIn) * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();

    static string Weight(GraphBuilder b, Random rng, string name, long[] dims, long fanIn) =>
        b.AddInitializer(Tensors.Float(name, dims, He(rng, dims.Aggregate(1L, (p, q) => p * q), fanIn)));

    static string Zeros(GraphBuilder b, string name, long n) => b.AddInitializer(Tensors.Float(name, [n], new float[n]));

    static AttributeProto[] Conv2d(long k, long pad) =>
        [Attr.Ints("dilations", 1, 1), Attr.Int("group", 1), Attr.Ints("kernel_shape", k, k), Attr.Ints("pads", pad, pad, pad, pad), Attr.Ints("strides", 1, 1)];

    static AttributeProto[] Pool2 => [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("pads", 0, 0, 0, 0), Attr.Ints("strides", 2, 2)];

    /// <summary>PyTorch's naming (/conv1/Conv, /conv1/Conv_output_0, parameters conv1.weight), its fixed batch from the dummy input, its Constant-node reshape.</summary>
    static ModelProto PytorchMnist(Random rng)
    {
        var b = new GraphBuilder("main_graph");
        var x = b.AddInput("input.1", TensorType.Of(DataType.Float, 1, 1, 28, 28));
        var y = b.Op("Conv", [x, Weight(b, rng, "conv1.weight", [8, 1, 3, 3], 9), Zeros(b, "conv1.bias", 8)], Conv2d(3, 1), "/conv1/Conv_output_0", "/conv1/Conv");
        y = b.Op("Relu", [y], output: "/relu1/Relu_output_0", name: "/relu1/Relu");
        y = b.Op("MaxPool", [y], [Attr.Int("ceil_mode", 0), .. Pool2], "/pool1/MaxPool_output_0", "/pool1/MaxPool");
        y = b.Op("Conv", [y, Weight(b, rng, "conv2.weight", [16, 8, 3, 3], 72), Zeros(b, "conv2.bias", 16)], Conv2d(3, 1), "/conv2/Conv_output_0", "/conv2/Conv");
        y = b.Op("Relu", [y], output: "/relu2/Relu_output_0", name: "/relu2/Relu");
        y = b.Op("MaxPool", [y], [Attr.Int("ceil_mode", 0), .. Pool2], "/pool2/MaxPool_output_0", "/pool2/MaxPool");
        var shape = b.Op("Constant", [], [Attr.Tensor("value", Tensors.Int64("", [2], [1, -1]))], "/Constant_output_0", "/Constant");
        y = b.Op("Reshape", [y, shape], output: "/Reshape_output_0", name: "/Reshape");
        y = b.Op("Gemm", [y, Weight(b, rng, "fc.weight", [10, 784], 784), Zeros(b, "fc.bias", 10)],
            [Attr.Float("alpha", 1), Attr.Float("beta", 1), Attr.Int("transB", 1)], "19", "/fc/Gemm");
        b.AddOutput(y, TensorType.Of(DataType.Float, 1, 10));
        var model = OnnxModel.Create(b.Graph, 11, 6);
        model.ProducerName = "pytorch";
        return model;
    }

    /// <summary>tf2onnx's Keras export: NHWC input, a Transpose to NCHW, SAME padding, the Dense layer as MatMul + Add, a Softmax output.</summary>
    static ModelProto KerasNhwc(Random rng)
    {
        var b = new GraphBuilder("model");
        var x = b.AddInput("input_1", new TensorType(DataType.Float, [Dim.Sym("unk__6"), 32, 32, 3]));
        var y = b.Op("Transpose", [x], [Attr.Ints("perm", 0, 3, 1, 2)], "model/conv2d/Conv2D__6:0", "model/conv2d/Conv2D__6");
        y = b.Op("Conv", [y, Weight(b, rng, "model/conv2d/Conv2D/ReadVariableOp:0", [16, 3, 3, 3], 27), Zeros(b, "model/conv2d/BiasAdd/ReadVariableOp:0", 16)],
            [Attr.String("auto_pad", "SAME_UPPER"), Attr.Ints("dilations", 1, 1), Attr.Int("group", 1), Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 1, 1)],
            "model/conv2d/BiasAdd:0", "model/conv2d/BiasAdd");
        y = b.Op("Relu", [y], output: "model/conv2d/Relu:0", name: "model/conv2d/Relu");
        y = b.Op("MaxPool", [y], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)], "model/max_pooling2d/MaxPool:0", "model/max_pooling2d/MaxPool");
        y = b.Op("Conv", [y, Weight(b, rng, "model/conv2d_1/Conv2D/ReadVariableOp:0", [32, 16, 3, 3], 144), Zeros(b, "model/conv2d_1/BiasAdd/ReadVariableOp:0", 32)],
            [Attr.String("auto_pad", "SAME_UPPER"), Attr.Ints("dilations", 1, 1), Attr.Int("group", 1), Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 1, 1)],
            "model/conv2d_1/BiasAdd:0", "model/conv2d_1/BiasAdd");
        y = b.Op("Relu", [y], output: "model/conv2d_1/Relu:0", name: "model/conv2d_1/Relu");
        y = b.Op("GlobalAveragePool", [y], output: "model/global_average_pooling2d/Mean:0", name: "model/global_average_pooling2d/Mean");
        y = b.Op("Flatten", [y], [Attr.Int("axis", 1)], "model/global_average_pooling2d/Squeeze:0", "model/global_average_pooling2d/Squeeze");
        y = b.Op("MatMul", [y, Weight(b, rng, "model/dense/MatMul/ReadVariableOp:0", [32, 10], 32)], output: "model/dense/MatMul:0", name: "model/dense/MatMul");
        y = b.Op("Add", [y, Zeros(b, "model/dense/BiasAdd/ReadVariableOp:0", 10)], output: "model/dense/BiasAdd:0", name: "model/dense/BiasAdd");
        y = b.Op("Softmax", [y], [Attr.Int("axis", -1)], "dense", "model/dense/Softmax");
        b.AddOutput(y, new TensorType(DataType.Float, [Dim.Sym("unk__7"), 10]));
        var model = OnnxModel.Create(b.Graph, 13, 7);
        model.ProducerName = "tf2onnx";
        return model;
    }

    static ModelProto Signal1d(Random rng)
    {
        var b = new GraphBuilder("signal1d");
        var x = b.AddInput("signal", new TensorType(DataType.Float, [Dim.Sym("N"), 1, SignalData.Length]));
        var y = b.Op("Conv", [x, Weight(b, rng, "conv1.weight", [8, 1, 5], 5), Zeros(b, "conv1.bias", 8)], [Attr.Ints("kernel_shape", 5), Attr.Ints("pads", 2, 2)], name: "conv1");
        y = b.Op("Relu", [y], name: "relu1");
        y = b.Op("MaxPool", [y], [Attr.Ints("kernel_shape", 2), Attr.Ints("strides", 2)], name: "pool1");
        y = b.Op("Conv", [y, Weight(b, rng, "conv2.weight", [16, 8, 3], 24), Zeros(b, "conv2.bias", 16)], [Attr.Ints("kernel_shape", 3), Attr.Ints("pads", 1, 1)], name: "conv2");
        y = b.Op("Relu", [y], name: "relu2");
        y = b.Op("Flatten", [b.Op("GlobalAveragePool", [y], name: "gap")], name: "flatten");
        y = b.Op("Gemm", [y, Weight(b, rng, "fc.weight", [SignalData.Classes, 16], 16), Zeros(b, "fc.bias", SignalData.Classes)], [Attr.Int("transB", 1)], "logits", "fc");
        b.AddOutput(y, new TensorType(DataType.Float, [Dim.Sym("N"), SignalData.Classes]));
        return OnnxModel.Create(b.Graph, 13);
    }
}
