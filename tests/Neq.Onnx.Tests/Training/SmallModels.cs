using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Training;

/// <summary>Small classifiers for the data sets that are not CIFAR: grey images and 1-D signals.</summary>
static class SmallModels
{
    /// <summary>
    /// [N,1,size,size] → Conv 1→8 5×5 stride 2 pad 2 → Relu → Conv 8→16 3×3 stride 2 pad 1 → Relu →
    /// Flatten → Gemm → [N,classes] (He-initialised from <paramref name="seed"/>).
    /// </summary>
    public static ModelProto GreyCnn(int size = 32, int classes = 10, int seed = 1)
    {
        var rng = new Random(seed);
        float[] He(int n, int fanIn) => Enumerable.Range(0, n).Select(_ => (float)(Math.Sqrt(2.0 / fanIn) * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();
        var b = new GraphBuilder("grey_cnn");
        b.AddInput("image", new TensorType(DataType.Float, [Dim.Sym("N"), 1, size, size]));
        b.AddInitializer(Tensors.Float("conv1.weight", [8, 1, 5, 5], He(200, 25)));
        b.AddInitializer(Tensors.Float("conv1.bias", [8], new float[8]));
        var r1 = b.Op("Relu", [b.Op("Conv", ["image", "conv1.weight", "conv1.bias"],
            [Attr.Ints("kernel_shape", 5, 5), Attr.Ints("pads", 2, 2, 2, 2), Attr.Ints("strides", 2, 2)], name: "conv1")], name: "relu1");
        b.AddInitializer(Tensors.Float("conv2.weight", [16, 8, 3, 3], He(16 * 72, 72)));
        b.AddInitializer(Tensors.Float("conv2.bias", [16], new float[16]));
        var r2 = b.Op("Relu", [b.Op("Conv", [r1, "conv2.weight", "conv2.bias"],
            [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("strides", 2, 2)], name: "conv2")], name: "relu2");
        var features = 16 * (size / 4) * (size / 4);
        b.AddInitializer(Tensors.Float("fc.weight", [classes, features], He(classes * features, features)));
        b.AddInitializer(Tensors.Float("fc.bias", [classes], new float[classes]));
        b.Op("Gemm", [b.Op("Flatten", [r2], name: "flatten"), "fc.weight", "fc.bias"], [Attr.Int("transB", 1)], output: "logits", name: "fc");
        b.AddOutput("logits", new TensorType(DataType.Float, [Dim.Sym("N"), classes]));
        return OnnxModel.Create(b.Graph);
    }

    /// <summary>[N,1,length] → Conv1d 1→4 k3 pad 1 → Relu → Flatten → Gemm → [N,classes].</summary>
    public static ModelProto SignalCnn(int length, int classes, int seed = 2)
    {
        var rng = new Random(seed);
        float[] Init(int n, int fanIn) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * Math.Sqrt(3.0 / fanIn))).ToArray();
        var b = new GraphBuilder("signal_cnn");
        b.AddInput("signal", new TensorType(DataType.Float, [Dim.Sym("N"), 1, length]));
        b.AddInitializer(Tensors.Float("conv.weight", [4, 1, 3], Init(12, 3)));
        b.AddInitializer(Tensors.Float("conv.bias", [4], new float[4]));
        var r = b.Op("Relu", [b.Op("Conv", ["signal", "conv.weight", "conv.bias"], [Attr.Ints("kernel_shape", 3), Attr.Ints("pads", 1, 1)], name: "conv")], name: "relu");
        b.AddInitializer(Tensors.Float("fc.weight", [classes, 4 * length], Init(classes * 4 * length, 4 * length)));
        b.AddInitializer(Tensors.Float("fc.bias", [classes], new float[classes]));
        b.Op("Gemm", [b.Op("Flatten", [r], name: "flatten"), "fc.weight", "fc.bias"], [Attr.Int("transB", 1)], output: "logits", name: "fc");
        b.AddOutput("logits", new TensorType(DataType.Float, [Dim.Sym("N"), classes]));
        return OnnxModel.Create(b.Graph);
    }

    /// <summary><see cref="SignalCnn"/> with one output column and a trailing Sigmoid: [N,1,length] → probability of class 1 [N,1].</summary>
    public static ModelProto BinarySignalCnn(int length, int seed = 2)
    {
        var model = SignalCnn(length, 1, seed);
        var g = model.Graph;
        g.Node.Add(new NodeProto { OpType = "Sigmoid", Name = "sigmoid", Input = { "logits" }, Output = { "probability" } });
        g.Output.Clear();
        g.Output.Add(new TensorType(DataType.Float, [Dim.Sym("N"), 1]).ToValueInfo("probability"));
        return model;
    }
}
