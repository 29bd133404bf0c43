using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using static Neq.Onnx.Tests.Shapes.ShapeNotation;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Shapes;

/// <summary>
/// Cross-check against ONNX Runtime: graphs whose dims are all known are run, every node output
/// exposed as a graph output, and each inferred type must equal the tensor ORT produced.
/// </summary>
public sealed class ShapeInferenceOrtTests
{
    static string W(GraphBuilder b, string name, params long[] dims) =>
        b.Const(name, Tensors.Float(name, dims, Enumerable.Range(0, (int)dims.Aggregate(1L, (x, y) => x * y)).Select(i => (i % 7) * 0.1f).ToArray()));

    static string I(GraphBuilder b, string name, params long[] values) => b.ConstInts(name, values);

    /// <summary>Conv/BN/pool/ConvTranspose/Gemm with strides, uneven pads, dilation, ceil_mode, SAME padding.</summary>
    static GraphProto Cnn()
    {
        var b = new GraphBuilder("cnn");
        var x = b.AddInput("x", Parse("float[2,3,17,17]"));
        var conv = b.Op("Conv", [x, W(b, "w1", 8, 3, 3, 3), W(b, "b1", 8)],
            [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 0, 2, 1), Attr.Ints("dilations", 1, 2)]);
        var bn = b.Op("BatchNormalization", [conv, W(b, "g", 8), W(b, "be", 8), W(b, "m", 8), b.Const("v", Tensors.Float("v", [8], Enumerable.Repeat(1f, 8).ToArray()))]);
        var relu = b.Op("Relu", [bn]);
        var mp = b.Op("MaxPool", [relu], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Int("ceil_mode", 1)]);
        var ap = b.Op("AveragePool", [relu], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2), Attr.String("auto_pad", "SAME_UPPER")]);
        var dw = b.Op("Conv", [relu, W(b, "dw", 8, 1, 3, 3)], [Attr.Int("group", 8), Attr.String("auto_pad", "SAME_LOWER"), Attr.Ints("strides", 3, 3)]);
        b.Op("ConvTranspose", [mp, W(b, "wt", 8, 4, 3, 3)], [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("output_padding", 1, 0)]);
        b.Op("ConvTranspose", [ap, W(b, "wt2", 8, 2, 2, 2)], [Attr.Int("group", 2), Attr.Ints("strides", 2, 2)]);
        var gap = b.Op("GlobalAveragePool", [dw]);
        var flat = b.Op("Flatten", [gap]);
        b.Op("Gemm", [flat, W(b, "fc", 10, 8), W(b, "fcb", 10)], [Attr.Int("transB", 1)]);
        b.OpN("MaxPool", [relu], ["mp_y", "mp_idx"], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("dilations", 2, 2)]);
        return b.Graph;
    }

    /// <summary>Pooling corners: ceil_mode where the last window would start in the end padding, and odd sizes.</summary>
    static GraphProto PoolCorners()
    {
        var b = new GraphBuilder("pool");
        var x = b.AddInput("x", Parse("float[1,2,4,5]"));
        b.Op("MaxPool", [x], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 0, 0, 1, 1), Attr.Int("ceil_mode", 1)]);
        b.Op("AveragePool", [x], [Attr.Ints("kernel_shape", 3, 2), Attr.Ints("strides", 2, 3), Attr.Ints("pads", 1, 1, 1, 1), Attr.Int("ceil_mode", 1)]);
        b.Op("AveragePool", [x], [Attr.Ints("kernel_shape", 3, 3), Attr.String("auto_pad", "VALID"), Attr.Ints("strides", 1, 2)]);
        b.Op("MaxPool", [x], [Attr.Ints("kernel_shape", 3, 3), Attr.String("auto_pad", "SAME_UPPER"), Attr.Ints("strides", 2, 2)]);
        return b.Graph;
    }

    /// <summary>Shape, slicing, joining, broadcasting, reductions and resampling at opset 17.</summary>
    static GraphProto ShapeOps()
    {
        var b = new GraphBuilder("shapes");
        var x = b.AddInput("x", Parse("float[2,3,4,5]"));
        var y = b.AddInput("y", Parse("float[3,1,5]"));
        b.Op("Transpose", [x], [Attr.Ints("perm", 0, 2, 3, 1)]);
        b.Op("Reshape", [x, I(b, "r", 0, -1)]);
        b.Op("Slice", [x, I(b, "s0", -1), I(b, "s1", -100), I(b, "s2", 3), I(b, "s3", -2)]);
        b.Op("Slice", [x, I(b, "t0", 1, 0), I(b, "t1", 1000, -1), I(b, "t2", 2, 1)]);
        b.Op("Pad", [x, I(b, "p", 0, 0, 1, 2, 0, 0, 1, 0)], [Attr.String("mode", "reflect")]);
        b.Op("Concat", [x, x], [Attr.Int("axis", -3)]);
        b.OpN("Split", [x, I(b, "sp", 1, 2)], ["sp_a", "sp_b"], [Attr.Int("axis", 1)]);
        b.Op("Gather", [x, I(b, "gi", 3, 1)], [Attr.Int("axis", 2)]);
        var u = b.Op("Unsqueeze", [x, I(b, "ua", 0, -1)]);
        b.Op("Squeeze", [u, I(b, "sa", 0)]);
        b.Op("Expand", [x, I(b, "e", 3, 1, 1, 1, 1)]);
        b.Op("Tile", [x, I(b, "tr", 1, 2, 1, 3)]);
        b.Op("ReduceMean", [x], [Attr.Ints("axes", 1, 3), Attr.Int("keepdims", 0)]);
        b.Op("ReduceSum", [x, I(b, "ra", -1)]);
        b.Op("ArgMax", [x], [Attr.Int("axis", 2)]);
        b.OpN("TopK", [x, I(b, "k", 2)], ["topv", "topi"]);
        b.Op("Resize", [x, "", b.Const("sc", Tensors.Float("sc", [4], [1, 1, 2, 1.5f]))], [Attr.String("mode", "nearest")]);
        b.Op("MatMul", [x, W(b, "mw", 5, 6)]);
        b.Op("MatMul", [y, b.AddInput("z", Parse("float[2,1,5,4]"))]);
        b.Op("Add", [x, y]);
        b.Op("Where", [b.Op("Greater", [x, y]), x, b.ConstFloat("zero", 0)]);
        b.Op("Cast", [x], [Attr.Int("to", (long)DataType.Int32)]);
        b.Op("Size", [x]);
        b.Op("ConstantOfShape", [b.Op("Shape", [x], [Attr.Int("start", 1)])]);
        b.Op("Range", [b.Const("r0", Tensors.Int64("r0", [], [2])), b.Const("r1", Tensors.Int64("r1", [], [11])), b.Const("r2", Tensors.Int64("r2", [], [4]))]);
        b.Op("Softmax", [x], [Attr.Int("axis", 1)]);
        b.Op("LayerNormalization", [x, W(b, "ln", 5)]);
        b.Op("DepthToSpace", [b.Op("Tile", [x, I(b, "t4", 1, 4, 1, 1)]), ], [Attr.Int("blocksize", 2)]);
        // torch.flatten as exported: Shape → Gather → Unsqueeze → Concat → Reshape.
        var batch = b.Op("Gather", [b.Op("Shape", [x]), b.Const("zero_i", Tensors.Int64("zero_i", [], [0]))]);
        var target = b.Op("Concat", [b.Op("Unsqueeze", [batch, I(b, "u0", 0)]), I(b, "m1", -1)], [Attr.Int("axis", 0)]);
        b.Op("Reshape", [x, target]);
        return b.Graph;
    }

    /// <summary>Attribute forms of opset 11 (Squeeze/Unsqueeze axes, Split 'split', ReduceSum axes) and Clip/Resize inputs.</summary>
    static GraphProto Opset11()
    {
        var b = new GraphBuilder("opset11");
        var x = b.AddInput("x", Parse("float[2,3,4,5]"));
        var u = b.Op("Unsqueeze", [x], [Attr.Ints("axes", 1)]);
        b.Op("Squeeze", [u], [Attr.Ints("axes", 1)]);
        b.OpN("Split", [x], ["a", "b2"], [Attr.Int("axis", 3), Attr.Ints("split", 2, 3)]);
        b.Op("ReduceSum", [x], [Attr.Ints("axes", 0, 2)]);
        b.Op("Clip", [x, b.ConstFloat("lo", 0), b.ConstFloat("hi", 6)]);
        b.Op("Resize", [x, b.Const("roi", Tensors.Float("roi", [0], [])), b.Const("scales", Tensors.Float("scales", [0], [])), I(b, "sizes", 2, 3, 7, 9)]);
        b.Op("Pad", [x, I(b, "pads", 0, 1, 0, 0, 0, 1, 0, 0)]);
        b.Op("Slice", [x, I(b, "st", 1), I(b, "en", 3), I(b, "ax", 1)]);
        return b.Graph;
    }

    /// <summary>Opset 9: Slice and Pad attributes, Upsample scales input, BatchNormalization, Dropout.</summary>
    static GraphProto Opset9()
    {
        var b = new GraphBuilder("opset9");
        var x = b.AddInput("x", Parse("float[2,3,4,5]"));
        b.Op("Slice", [x], [Attr.Ints("starts", 1, -3), Attr.Ints("ends", 100, -1), Attr.Ints("axes", 2, 3)]);
        b.Op("Pad", [x], [Attr.Ints("pads", 0, 0, 2, 1, 0, 0, 0, 3)]);
        b.Op("Upsample", [x, b.Const("up", Tensors.Float("up", [4], [1, 1, 2, 3]))]);
        b.Op("BatchNormalization", [x, W(b, "g", 3), W(b, "be", 3), W(b, "m", 3), b.Const("v", Tensors.Float("v", [3], [1, 1, 1]))]);
        b.OpN("Dropout", [x], ["d", "mask"], [Attr.Float("ratio", 0.3f)]);
        b.Op("Flatten", [x], [Attr.Int("axis", 2)]);
        return b.Graph;
    }

    public static TheoryData<string, long> Graphs => new()
    {
        { nameof(Cnn), 17 }, { nameof(PoolCorners), 17 }, { nameof(ShapeOps), 17 }, { nameof(Opset11), 11 }, { nameof(Opset9), 9 },
    };

    [Theory]
    [MemberData(nameof(Graphs))]
    public void Inferred_types_match_what_onnx_runtime_produces(string name, long opset)
    {
        var graph = name switch
        {
            nameof(Cnn) => Cnn(),
            nameof(PoolCorners) => PoolCorners(),
            nameof(ShapeOps) => ShapeOps(),
            nameof(Opset11) => Opset11(),
            _ => Opset9(),
        };
        var produced = graph.Node.SelectMany(n => n.Output).Where(o => o.Length > 0).ToArray();
        foreach (var o in produced) graph.Output.Add(new ValueInfoProto { Name = o });
        var model = OnnxModel.Create(graph, opset);
        var inferred = ShapeInference.Infer(model);

        using var session = new InferenceSession(model.ToByteArray());
        var inputs = graph.Input.Select(i => Parse(Format(TensorType.FromValueInfo(i)))).ToArray();
        var values = inputs.Select(t => OrtValue.CreateTensorValueFromMemory(
            Enumerable.Range(0, (int)t.KnownDims().Aggregate(1L, (a, c) => a * c)).Select(i => (i % 5) - 2f).ToArray(), t.KnownDims())).ToArray();
        // Held in a variable until the run returns (RunOptionsLifetimeTests): Run passes on only the native handle, so an
        // unreferenced RunOptions can be finalized, its native memory freed, while the run still reads it.
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, graph.Input.Select(i => i.Name).ToArray(), values, produced);
        var actual = results.Select(v => v.GetTensorTypeAndShape())
            .Select(s => Format(new TensorType((DataType)(int)s.ElementDataType, s.Shape.Select(Dim.Of).ToArray()))).ToArray();
        var expected = produced.Select(o => Format(inferred.TypeOf(o))).ToArray();
        foreach (var v in values) v.Dispose();
        Assert.Equal(
            produced.Zip(actual, (o, a) => $"{o}: {a}"),
            produced.Zip(expected, (o, e) => $"{o}: {e}"));
    }
}
