using Neq.Onnx.Autodiff;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// Shape and data-movement rules (Rules/DataMovementRules.cs) against central finite differences,
/// float64 (tolerance 1e-6) unless a row says otherwise. Rows marked "run-time" hide sizes or
/// constants from the rule (<see cref="RunTimeShapes"/>) to check the forms for dynamic graphs.
/// </summary>
public sealed class ShapeGradientTests
{
    static readonly (string, long[])[] X234 = [("x", [2, 3, 4])];

    static GradCase Row(string name, (string, long[])[] inputs, Action<GraphBuilder> build, string[] wrt, long opset = 17,
        DataType type = DataType.Double, double tolerance = 1e-6, Func<ShapeInferenceResult, ShapeInferenceResult>? shapes = null) =>
        new(name, inputs, build, wrt, type, tolerance, opset, Shapes: shapes);

    /// <summary>Slice in the input form (opset 10+); null arguments are omitted inputs.</summary>
    static void SliceInputs(GraphBuilder b, long[] starts, long[] ends, long[]? axes = null, long[]? steps = null)
    {
        var inputs = new List<string> { "x", b.ConstInts("starts", starts), b.ConstInts("ends", ends) };
        if (axes is not null || steps is not null) inputs.Add(axes is null ? "" : b.ConstInts("axes", axes));
        if (steps is not null) inputs.Add(b.ConstInts("steps", steps));
        b.Op("Slice", inputs, output: "y");
    }

    public static TheoryData<GradCase> Rows() =>
    [
        // ---- Reshape family: dX = Reshape(G, shape(X)) ----
        Row("Reshape [2,3,4]→[4,6]", X234, b => b.Op("Reshape", ["x", b.ConstInts("s", 4, 6)], output: "y"), ["x"]),
        Row("Reshape with 0 and −1", X234, b => b.Op("Reshape", ["x", b.ConstInts("s", 0, -1)], output: "y"), ["x"], opset: 8),
        Row("Reshape run-time sizes", X234, b => b.Op("Reshape", ["x", b.ConstInts("s", 3, -1)], output: "y"), ["x"], shapes: RunTimeShapes.UnknownSizes),
        Row("Flatten axis 2 opset 9", X234, b => b.Op("Flatten", ["x"], [Attr.Int("axis", 2)], output: "y"), ["x"], opset: 9),
        Row("Flatten default axis opset 13", X234, b => b.Op("Flatten", ["x"], output: "y"), ["x"], opset: 13),
        Row("Squeeze attribute axes opset 11", [("x", [2, 1, 3, 1])], b => b.Op("Squeeze", ["x"], [Attr.Ints("axes", 1, -1)], output: "y"), ["x"], opset: 11),
        Row("Squeeze axes input opset 13", [("x", [2, 1, 3, 1])], b => b.Op("Squeeze", ["x", b.ConstInts("axes", 1)], output: "y"), ["x"], opset: 13),
        Row("Squeeze all size-1 axes opset 13", [("x", [2, 1, 3, 1])], b => b.Op("Squeeze", ["x"], output: "y"), ["x"], opset: 13),
        Row("Unsqueeze attribute axes opset 11", [("x", [2, 3])], b => b.Op("Unsqueeze", ["x"], [Attr.Ints("axes", 0, 3)], output: "y"), ["x"], opset: 11),
        Row("Unsqueeze axes input opset 13", [("x", [2, 3])], b => b.Op("Unsqueeze", ["x", b.ConstInts("axes", -1, 1)], output: "y"), ["x"], opset: 13),
        Row("Unsqueeze run-time sizes", [("x", [2, 3])], b => b.Op("Unsqueeze", ["x", b.ConstInts("axes", 0)], output: "y"), ["x"], shapes: RunTimeShapes.UnknownSizes),

        // ---- Transpose: dX = Transpose(G, p⁻¹) ----
        Row("Transpose default (reverse)", X234, b => b.Op("Transpose", ["x"], output: "y"), ["x"]),
        Row("Transpose perm [1,2,0]", X234, b => b.Op("Transpose", ["x"], [Attr.Ints("perm", 1, 2, 0)], output: "y"), ["x"], opset: 8),

        // ---- Concat → Split of G (sizes constant, or at run time from opset 13) ----
        Row("Concat of three axis 1", [("a", [2, 1, 3]), ("b", [2, 2, 3]), ("c", [2, 3, 3])],
            b => b.Op("Concat", ["a", "b", "c"], [Attr.Int("axis", 1)], output: "y"), ["a", "b", "c"]),
        Row("Concat axis −1 opset 11, one input fixed", [("a", [2, 2]), ("b", [2, 3])],
            b => b.Op("Concat", ["a", "b", "a"], [Attr.Int("axis", -1)], output: "y"), ["a"], opset: 11),
        Row("Concat opset 8", [("a", [1, 3]), ("b", [2, 3])], b => b.Op("Concat", ["a", "b"], [Attr.Int("axis", 0)], output: "y"), ["a", "b"], opset: 8),
        Row("Concat run-time sizes opset 13", [("a", [2, 1, 3]), ("b", [2, 2, 3])],
            b => b.Op("Concat", ["a", "b"], [Attr.Int("axis", 1)], output: "y"), ["a", "b"], opset: 13, shapes: RunTimeShapes.UnknownSizes),

        // ---- Split → Concat of the output gradients, zeros where none flows ----
        Row("Split attribute sizes opset 11, middle output unused", [("x", [2, 6])],
            b => { var o = b.OpN("Split", ["x"], ["o0", "o1", "o2"], [Attr.Int("axis", 1), Attr.Ints("split", 2, 1, 3)]); b.Op("Concat", [o[0], o[2]], [Attr.Int("axis", 1)], output: "y"); },
            ["x"], opset: 11),
        Row("Split equal parts opset 8", [("x", [4, 3])],
            b => { var o = b.OpN("Split", ["x"], ["o0", "o1"]); b.Op("Mul", [o[0], o[1]], output: "y"); }, ["x"], opset: 8),
        Row("Split sizes input opset 13", [("x", [2, 5, 2])],
            b => { var o = b.OpN("Split", ["x", b.ConstInts("sizes", 3, 2)], ["o0", "o1"], [Attr.Int("axis", -2)]); b.Op("Identity", [o[1]], output: "y"); },
            ["x"], opset: 13),
        Row("Split num_outputs opset 18", [("x", [2, 6])],
            b => { var o = b.OpN("Split", ["x"], ["o0", "o1", "o2"], [Attr.Int("axis", 1), Attr.Int("num_outputs", 3)]); b.Op("Mul", [o[0], o[2]], output: "y"); },
            ["x"], opset: 18),
        Row("Split run-time sizes", [("x", [2, 6])],
            b => { var o = b.OpN("Split", ["x"], ["o0", "o1"], [Attr.Int("axis", 1)]); b.Op("Sub", [o[1], o[0]], output: "y"); },
            ["x"], opset: 13, shapes: RunTimeShapes.UnknownSizes),

        // ---- Slice: Pad for unit steps, Unsqueeze+Pad+Reshape for positive steps, ScatterND otherwise ----
        Row("Slice attributes opset 9 (negative start)", X234,
            b => b.Op("Slice", ["x"], [Attr.Ints("starts", 1, -3), Attr.Ints("ends", 3, 1000), Attr.Ints("axes", 1, 2)], output: "y"), ["x"], opset: 9),
        Row("Slice attributes opset 8 default axes", X234,
            b => b.Op("Slice", ["x"], [Attr.Ints("starts", 1, 0), Attr.Ints("ends", 2, 2)], output: "y"), ["x"], opset: 8),
        Row("Slice inputs opset 10 unit steps", X234, b => SliceInputs(b, [0, 1], [-1, 4], [-1, 1]), ["x"], opset: 10),
        Row("Slice inputs opset 13, omitted axes", X234, b => SliceInputs(b, [1], [long.MaxValue]), ["x"], opset: 13),
        Row("Slice step 2", X234, b => SliceInputs(b, [1, 0], [4, 3], [2, 1], [2, 2]), ["x"]),
        Row("Slice step 3 from 1, after a unit-step crop of earlier axes", X234, b => SliceInputs(b, [1, 1, 1], [2, 3, 1000], [0, 1, 2], [1, 1, 3]), ["x"]),
        Row("Slice step 3 from 0 (the spread's last zeros cropped)", X234, b => SliceInputs(b, [0], [1000], [2], [3]), ["x"]),
        Row("Slice step −1 (reverse)", X234, b => SliceInputs(b, [-1], [long.MinValue], [2], [-1]), ["x"]),
        Row("Slice step −2 opset 11", X234, b => SliceInputs(b, [3, 2], [0, -10], [2, 1], [-2, -1]), ["x"], opset: 11),
        Row("Slice run-time sizes and bounds, unit steps", X234, b => SliceInputs(b, [1, 0], [3, 2], [2, 0]), ["x"],
            shapes: RunTimeShapes.UnknownSizesAndNotConstant("starts", "ends")),

        // ---- Pad (constant mode): dX = G with the padding sliced off, crops padded back ----
        Row("Pad attribute pads opset 10 (float32)", [("x", [2, 3])],
            b => b.Op("Pad", ["x"], [Attr.Ints("pads", 1, 0, 2, 2)], output: "y"), ["x"], opset: 10, type: DataType.Float, tolerance: 1e-3),
        Row("Pad input pads opset 13 with value", [("x", [2, 3, 2])],
            b => b.Op("Pad", ["x", b.ConstInts("pads", 0, 1, 1, 0, 2, 0), b.Const("v", Tensors.Double("v", [], [0.5]))], output: "y"), ["x"], opset: 13),
        Row("Pad negative pads (crop)", [("x", [3, 4])],
            b => b.Op("Pad", ["x", b.ConstInts("pads", -1, 2, 1, -2)], output: "y"), ["x"], opset: 13),
        Row("Pad axes input opset 18", [("x", [2, 3, 4])],
            b => b.Op("Pad", ["x", b.ConstInts("pads", 1, -1, 2, 1), "", b.ConstInts("axes", -1, 1)], output: "y"), ["x"], opset: 18),

        // ---- Gather / GatherElements: scatter-add (opset 16+), repeated indices accumulate ----
        Row("Gather axis 0, repeated indices (embedding)", [("x", [3, 4])],
            b => b.Op("Gather", ["x", b.ConstInts("i", 0, 2, 0, 0)], output: "y"), ["x"], opset: 16),
        Row("Gather axis 1, 2-D negative indices", X234,
            b => b.Op("Gather", ["x", b.Const("i", Tensors.Int64("i", [2, 2], [2, -1, 0, 2]))], [Attr.Int("axis", 1)], output: "y"), ["x"]),
        Row("Gather scalar index axis −1", X234,
            b => b.Op("Gather", ["x", b.Const("i", Tensors.Int64("i", [], [1]))], [Attr.Int("axis", -1)], output: "y"), ["x"]),
        Row("Gather run-time sizes", [("x", [3, 4])],
            b => b.Op("Gather", ["x", b.ConstInts("i", 1, 1, 2)], output: "y"), ["x"], shapes: RunTimeShapes.UnknownSizes),
        Row("GatherElements axis 1", [("x", [2, 3])],
            b => b.Op("GatherElements", ["x", b.Const("i", Tensors.Int64("i", [2, 4], [0, 0, 2, 1, 1, 1, 1, 0]))], [Attr.Int("axis", 1)], output: "y"), ["x"]),
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);

    [Fact]
    public void Pad_in_reflect_mode_is_a_clear_error_naming_the_node()
    {
        var b = new GraphBuilder("pad");
        b.AddInput("x", TensorType.Of(DataType.Double, 2, 3));
        b.Op("Pad", ["x", b.ConstInts("pads", 0, 1, 0, 1)], [Attr.String("mode", "reflect")], output: "y", name: "mirror_pad");
        b.Op("ReduceSum", ["y"], [Attr.Int("keepdims", 0)], output: "loss");
        var model = OnnxModel.Create(b.Graph, 13);
        var e = Assert.Throws<OnnxFormatException>(() => Backward.Append(model, new GradientOptions("loss", ["x"])));
        Assert.Contains("mirror_pad", e.Message);
        Assert.Contains("reflect", e.Message);
    }
}
