using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Io;

/// <summary>Small valid models built with <see cref="GraphBuilder"/>, shared by the I/O and checker tests.</summary>
static class SampleModels
{
    /// <summary>The sample models' names, for table-driven tests.</summary>
    public static readonly string[] Names = ["mlp", "convnet", "subgraph", "function"];

    /// <summary>The sample model called <paramref name="name"/>.</summary>
    public static ModelProto ByName(string name) => name switch
    {
        "mlp" => Mlp(),
        "convnet" => ConvNet(),
        "subgraph" => WithSubgraph(),
        "function" => WithFunction(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>The domain of <see cref="WithFunction"/>'s model-local function.</summary>
    public const string FunctionDomain = "neq.test";

    /// <summary>x[2,16] → MatMul W1[16,32] → Add b1 → Relu → MatMul W2[32,4] → y[2,4]; W1 is 2 KiB, the rest small.</summary>
    public static ModelProto Mlp(int seed = 1)
    {
        var rng = new Random(seed);
        var b = new GraphBuilder("mlp");
        var x = b.AddInput("x", TensorType.Of(DataType.Float, 2, 16));
        var w1 = b.Const("w1", Tensors.Float("w1", [16, 32], RandomFloats(rng, 16 * 32)));
        var b1 = b.Const("b1", Tensors.Float("b1", [32], RandomFloats(rng, 32)));
        var w2 = b.Const("w2", Tensors.Float("w2", [32, 4], RandomFloats(rng, 32 * 4)));
        var h = b.Op("Relu", [b.Op("Add", [b.Op("MatMul", [x, w1]), b1])]);
        var y = b.Op("MatMul", [h, w2], output: "y");
        b.AddOutput(y, TensorType.Of(DataType.Float, 2, 4));
        return OnnxModel.Create(b.Graph);
    }

    /// <summary>Conv (with int-list attributes) → BatchNormalization → Relu → GlobalAveragePool → Flatten.</summary>
    public static ModelProto ConvNet()
    {
        var rng = new Random(7);
        var b = new GraphBuilder("convnet");
        var x = b.AddInput("image", TensorType.Of(DataType.Float, 1, 3, 8, 8));
        var w = b.Const("conv_w", Tensors.Float("conv_w", [4, 3, 3, 3], RandomFloats(rng, 4 * 3 * 3 * 3)));
        var conv = b.Op("Conv", [x, w], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("strides", 1, 1)]);
        var scale = b.Const("bn_scale", Tensors.Float("bn_scale", [4], RandomFloats(rng, 4)));
        var bias = b.Const("bn_bias", Tensors.Float("bn_bias", [4], RandomFloats(rng, 4)));
        var mean = b.Const("bn_mean", Tensors.Float("bn_mean", [4], RandomFloats(rng, 4)));
        var variance = b.Const("bn_var", Tensors.Float("bn_var", [4], [1f, 2f, 0.5f, 4f]));
        var bn = b.Op("BatchNormalization", [conv, scale, bias, mean, variance], [Attr.Float("epsilon", 1e-5f)]);
        var pooled = b.Op("GlobalAveragePool", [b.Op("Relu", [bn])]);
        var logits = b.Op("Flatten", [pooled], [Attr.Int("axis", 1)], output: "logits");
        b.AddOutput(logits, TensorType.Of(DataType.Float, 1, 4));
        return OnnxModel.Create(b.Graph);
    }

    /// <summary>
    /// y = If(cond, then: x + c, else: x − c); both branches read x and c from the outer scope.
    /// </summary>
    public static ModelProto WithSubgraph()
    {
        var b = new GraphBuilder("branchy");
        var x = b.AddInput("x", TensorType.Of(DataType.Float, 3));
        var cond = b.AddInput("cond", TensorType.Of(DataType.Bool));
        var c = b.ConstFloat("c", 1.5f);
        var y = b.Op("If", [cond], [Attr.Graph("then_branch", Branch("then", "Add", x, c)), Attr.Graph("else_branch", Branch("else", "Sub", x, c))], output: "y");
        b.AddOutput(y, TensorType.Of(DataType.Float, 3));
        return OnnxModel.Create(b.Graph);
    }

    static GraphProto Branch(string name, string op, string x, string c)
    {
        var sub = new GraphBuilder(name);
        var r = sub.Op(op, [x, c], output: name + "_out");
        sub.AddOutput(r, TensorType.Of(DataType.Float, 3));
        return sub.Graph;
    }

    /// <summary>
    /// y = DoubleRelu(x) = 2·max(x, 0), where DoubleRelu is a function of the model in
    /// <see cref="FunctionDomain"/> (imported after the default domain).
    /// </summary>
    public static ModelProto WithFunction()
    {
        var b = new GraphBuilder("functional");
        var x = b.AddInput("x", TensorType.Of(DataType.Float, 4));
        var y = b.Op("DoubleRelu", [x], output: "y", domain: FunctionDomain);
        b.AddOutput(y, TensorType.Of(DataType.Float, 4));
        var model = OnnxModel.Create(b.Graph);
        model.ImportOpset(FunctionDomain, 1);
        model.Functions.Add(DoubleRelu());
        return model;
    }

    /// <summary>DoubleRelu(X) = Relu(X) + Relu(X), a function in <see cref="FunctionDomain"/>.</summary>
    public static FunctionProto DoubleRelu()
    {
        var f = new FunctionProto { Domain = FunctionDomain, Name = "DoubleRelu" };
        f.Input.Add("X");
        f.Output.Add("Y");
        f.Node.Add(new NodeProto { OpType = "Relu", Name = "relu", Input = { "X" }, Output = { "R" } });
        f.Node.Add(new NodeProto { OpType = "Add", Name = "twice", Input = { "R", "R" }, Output = { "Y" } });
        f.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxModel.DefaultOpset });
        return f;
    }

    public static float[] RandomFloats(Random rng, int count)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }
}
