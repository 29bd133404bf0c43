using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using static Neq.Onnx.Tests.Shapes.ShapeNotation;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Shapes;

/// <summary>
/// Constant folding of shape computations (the chains exporters emit before Reshape), and a small
/// CNN with a symbolic batch end to end.
/// </summary>
public sealed class ShapeFoldingTests
{
    static string[] Ints(ShapeInferenceResult r, string name) =>
        r.Constants.TryGetValue(name, out var t) ? t.ToInt64Array().Select(v => v.ToString()).ToArray() : ["not folded"];

    /// <summary>x → Shape → Gather(0) → Unsqueeze(0) → Concat([-1]) → Reshape, as torch.flatten exports.</summary>
    static (GraphProto Graph, string[] Names) FlattenChain(string xType, long opset)
    {
        var b = new GraphBuilder("g");
        var x = b.AddInput("x", Parse(xType));
        var shape = b.Op("Shape", [x], output: "shape");
        var batch = b.Op("Gather", [shape, b.Const("zero", Tensors.Int64("zero", [], [0]))], [Attr.Int("axis", 0)], output: "batch");
        var batch1 = opset >= 13 ? b.Op("Unsqueeze", [batch, b.ConstInts("axes", 0)], output: "batch1")
            : b.Op("Unsqueeze", [batch], [Attr.Ints("axes", 0)], output: "batch1");
        var target = b.Op("Concat", [batch1, b.ConstInts("minus1", -1)], [Attr.Int("axis", 0)], output: "target");
        var y = b.Op("Reshape", [x, target], output: "y");
        return (b.Graph, [shape, batch, batch1, target, y]);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void Flatten_chain_with_known_batch_folds_to_constants(long opset)
    {
        var (graph, _) = FlattenChain("float[2,64,1,1]", opset);
        var r = ShapeInference.Infer(graph, opset);
        Assert.Equal(["2", "64", "1", "1"], Ints(r, "shape"));
        Assert.Equal(["2"], Ints(r, "batch"));
        Assert.Equal(["2"], Ints(r, "batch1"));
        Assert.Equal(["2", "-1"], Ints(r, "target"));
        Assert.Equal("float[2,64]", Format(r.TypeOf("y"))); // 2·64·1·1 / 2 = 64
    }

    [Fact]
    public void Flatten_chain_with_symbolic_batch_keeps_the_symbol()
    {
        var (graph, _) = FlattenChain("float[N,64,1,1]", 13);
        var r = ShapeInference.Infer(graph, 13);
        // Element 0 is the symbol N: nothing on the path from Shape is a constant...
        Assert.Equal(["not folded"], Ints(r, "shape"));
        Assert.Equal(["not folded"], Ints(r, "batch"));
        Assert.Equal(["not folded"], Ints(r, "target"));
        Assert.Equal("int64[2]", Format(r.TypeOf("target")));
        // ...but Reshape reads the partial value [N, -1]: N·64·1·1 / N = 64.
        Assert.Equal("float[N,64]", Format(r.TypeOf("y")));
    }

    [Fact]
    public void Gather_of_a_known_dim_from_a_symbolic_shape_folds()
    {
        var b = new GraphBuilder("g");
        var shape = b.Op("Shape", [b.AddInput("x", Parse("float[N,3,8,5]"))]);
        var h = b.Op("Gather", [shape, b.Const("two", Tensors.Int64("two", [], [2]))], output: "h");
        var w = b.Op("Gather", [shape, b.Const("three", Tensors.Int64("three", [], [3]))], output: "w");
        b.Op("Mul", [h, w], output: "hw");                        // 8·5 = 40
        b.Op("Sub", [h, w], output: "h_minus_w");                 // 8−5 = 3
        b.Op("Div", [h, b.Const("k", Tensors.Int64("k", [], [3]))], output: "h_div_3"); // ⌊8/3⌋ = 2
        b.Op("Add", [h, b.Const("k1", Tensors.Int64("k1", [], [1]))], output: "h_plus_1"); // 9
        var r = ShapeInference.Infer(b.Graph, 17);
        Assert.Equal(["8"], Ints(r, "h"));
        Assert.Equal(["5"], Ints(r, "w"));
        Assert.Equal(["40"], Ints(r, "hw"));
        Assert.Equal(["3"], Ints(r, "h_minus_w"));
        Assert.Equal(["2"], Ints(r, "h_div_3"));
        Assert.Equal(["9"], Ints(r, "h_plus_1"));
    }

    /// <summary>tf2onnx / Paddle style: Shape → Cast(int32) → Slice[0:1] → Cast(int64) → Concat([-1]) → Reshape.</summary>
    [Theory]
    [InlineData("float[N,4,4,8]", "float[N,128]")]  // 4·4·8 = 128
    [InlineData("float[3,4,4,8]", "float[3,128]")]
    public void Cast_slice_chain_feeds_reshape(string xType, string expected)
    {
        var b = new GraphBuilder("g");
        var x = b.AddInput("x", Parse(xType));
        var s = b.Op("Shape", [x]);
        var s32 = b.Op("Cast", [s], [Attr.Int("to", (long)DataType.Int32)]);
        var first = b.Op("Slice", [s32, b.ConstInts("st", 0), b.ConstInts("en", 1), b.ConstInts("ax", 0)]);
        var first64 = b.Op("Cast", [first], [Attr.Int("to", (long)DataType.Int64)]);
        var target = b.Op("Concat", [first64, b.ConstInts("m1", -1)], [Attr.Int("axis", 0)], output: "target");
        b.Op("Reshape", [x, target], output: "y");
        var r = ShapeInference.Infer(b.Graph, 13);
        Assert.Equal(expected, Format(r.TypeOf("y")));
        Assert.Equal(xType.StartsWith("float[3") ? ["3", "-1"] : ["not folded"], Ints(r, "target"));
    }

    [Fact]
    public void Generators_and_pass_through_ops_fold()
    {
        var b = new GraphBuilder("g");
        b.Op("Range", [b.Const("s", Tensors.Int64("s", [], [1])), b.Const("l", Tensors.Int64("l", [], [10])), b.Const("d", Tensors.Int64("d", [], [3]))], output: "range"); // 1, 4, 7
        b.Op("ConstantOfShape", [b.ConstInts("shp", 2, 2)], [Attr.Tensor("value", Tensors.Int64Vector("v", 5))], output: "fives");
        var c = b.Op("Constant", [], [Attr.Ints("value_ints", 6, 7, 8, 9)], output: "c");
        b.Op("Identity", [c], output: "id");
        b.Op("Reshape", [c, b.ConstInts("to", 2, 2)], output: "c22");
        b.Op("Squeeze", [b.Op("Unsqueeze", [c, b.ConstInts("u", 0)], output: "c14"), b.ConstInts("q", 0)], output: "c4");
        b.Op("Slice", [c, b.ConstInts("a", -1), b.ConstInts("z", long.MinValue), b.ConstInts("ax", 0), b.ConstInts("st", -2)], output: "rev"); // 9, 7
        b.Op("Concat", [c, b.ConstInts("more", 10)], [Attr.Int("axis", 0)], output: "cat");
        b.Op("Cast", [b.Op("Cast", [c], [Attr.Int("to", (long)DataType.Float)], output: "cf")], [Attr.Int("to", (long)DataType.Int32)], output: "ci");
        var r = ShapeInference.Infer(b.Graph, 13);
        Assert.Equal(["1", "4", "7"], Ints(r, "range"));
        Assert.Equal(["5", "5", "5", "5"], Ints(r, "fives"));
        Assert.Equal("int64[2,2]", Format(r.TypeOf("fives")));
        Assert.Equal(["6", "7", "8", "9"], Ints(r, "id"));
        Assert.Equal("int64[2,2]", Format(r.TypeOf("c22")));
        Assert.Equal(["6", "7", "8", "9"], Ints(r, "c22"));
        Assert.Equal("int64[1,4]", Format(r.TypeOf("c14")));
        Assert.Equal(["6", "7", "8", "9"], Ints(r, "c4"));
        Assert.Equal(["9", "7"], Ints(r, "rev"));
        Assert.Equal(["6", "7", "8", "9", "10"], Ints(r, "cat"));
        Assert.Equal([6f, 7f, 8f, 9f], r.Constants["cf"].ToFloatArray());
        Assert.Equal(DataType.Int32, (DataType)r.Constants["ci"].DataType);
        Assert.Equal(["6", "7", "8", "9"], Ints(r, "ci"));
    }

    [Fact]
    public void Transpose_and_gather_of_a_matrix_fold()
    {
        var b = new GraphBuilder("g");
        var m = b.Const("m", Tensors.Int64("m", [2, 3], [1, 2, 3, 4, 5, 6])); // [[1,2,3],[4,5,6]]
        b.Op("Transpose", [m], output: "mt");                                  // [[1,4],[2,5],[3,6]]
        b.Op("Gather", [m, b.ConstInts("cols", 2, 0)], [Attr.Int("axis", 1)], output: "g"); // [[3,1],[6,4]]
        b.Op("Expand", [b.ConstInts("row", 7, 8), b.ConstInts("shp", 2, 1)], output: "e");   // [[7,8],[7,8]]
        b.Op("Tile", [b.ConstInts("t", 1, 2), b.ConstInts("rep", 2)], output: "tile");         // [1,2,1,2]
        var r = ShapeInference.Infer(b.Graph, 17);
        Assert.Equal(["1", "4", "2", "5", "3", "6"], Ints(r, "mt"));
        Assert.Equal(["3", "1", "6", "4"], Ints(r, "g"));
        Assert.Equal(["7", "8", "7", "8"], Ints(r, "e"));
        Assert.Equal(["1", "2", "1", "2"], Ints(r, "tile"));
    }

    [Fact]
    public void Initializer_that_is_also_an_input_is_not_a_constant()
    {
        // A caller may feed another shape, so Reshape knows only the rank.
        var b = new GraphBuilder("g");
        var x = b.AddInput("x", Parse("float[2,3,4]"));
        var target = b.ConstInts("target", 6, 4);
        b.Graph.Input.Add(Parse("int64[2]").ToValueInfo(target));
        b.Op("Reshape", [x, target], output: "y");
        var r = ShapeInference.Infer(b.Graph, 17);
        Assert.False(r.Constants.ContainsKey("target"));
        Assert.Equal("int64[2]", Format(r.TypeOf("target")));
        Assert.Equal("float[?,?]", Format(r.TypeOf("y")));
    }

    [Fact]
    public void Initializers_and_constant_nodes_are_constants()
    {
        var b = new GraphBuilder("g");
        b.ConstInts("w", 1, 2);
        b.Op("Constant", [], [Attr.Float("value_float", 2.5f)], output: "k");
        var r = ShapeInference.Infer(b.Graph, 17);
        Assert.Equal(["1", "2"], Ints(r, "w"));
        Assert.Equal([2.5f], r.Constants["k"].ToFloatArray());
        Assert.Equal("float[]", Format(r.TypeOf("k")));
    }

    [Fact]
    public void Identity_of_a_large_initializer_stays_constant()
    {
        // 300×300 = 90 000 elements: more than is ever folded, but Identity only renames it.
        var b = new GraphBuilder("g");
        var big = b.Const("big", Tensors.Float("big", [300, 300], new float[90_000]));
        b.Op("Identity", [big], output: "alias");
        var r = ShapeInference.Infer(b.Graph, 17);
        Assert.Equal("float[300,300]", Format(r.TypeOf("alias")));
        Assert.Equal(90_000, r.Constants["alias"].ToFloatArray().Length);
    }

    /// <summary>
    /// Conv(3→8, k3, pad 1) → BN → Relu → MaxPool(2, 2) → GlobalAveragePool → Flatten → Gemm(8→10),
    /// batch "N", input 32×32. Conv: ⌊(32+2−3)/1⌋+1 = 32; MaxPool: ⌊(32−2)/2⌋+1 = 16.
    /// </summary>
    [Fact]
    public void Small_cnn_with_symbolic_batch()
    {
        var b = new GraphBuilder("cnn");
        var x = b.AddInput("x", Parse("float[N,3,32,32]"));
        var w = b.Const("w", Tensors.Float("w", [8, 3, 3, 3], new float[8 * 27]));
        var conv = b.Op("Conv", [x, w], [Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("kernel_shape", 3, 3)], output: "conv");
        var stats = Enumerable.Range(0, 4).Select(i => b.Const($"bn{i}", Tensors.Float($"bn{i}", [8], new float[8]))).ToArray();
        var bn = b.Op("BatchNormalization", [conv, .. stats], output: "bn");
        var relu = b.Op("Relu", [bn], output: "relu");
        var pool = b.Op("MaxPool", [relu], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)], output: "pool");
        var gap = b.Op("GlobalAveragePool", [pool], output: "gap");
        var flat = b.Op("Flatten", [gap], output: "flat");
        var fc = b.Const("fc", Tensors.Float("fc", [10, 8], new float[80]));
        b.Op("Gemm", [flat, fc], [Attr.Int("transB", 1)], output: "logits");
        var r = ShapeInference.Infer(OnnxModel.Create(b.Graph, 17));
        string[] names = ["conv", "bn", "relu", "pool", "gap", "flat", "logits"];
        Assert.Equal(
            ["float[N,8,32,32]", "float[N,8,32,32]", "float[N,8,32,32]", "float[N,8,16,16]", "float[N,8,1,1]", "float[N,8]", "float[N,10]"],
            names.Select(n => Format(r.TypeOf(n))).ToArray());
    }
}
