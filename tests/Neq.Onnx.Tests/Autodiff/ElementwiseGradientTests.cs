using Neq.Onnx.Graphs;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// Elementwise rules (Rules/ElementwiseRules.cs) against central finite differences: float64
/// (tolerance 1e-6) unless a row says otherwise.
/// </summary>
public sealed class ElementwiseGradientTests
{
    static double Positive(Random r) => 0.5 + r.NextDouble();

    static string Double(GraphBuilder b, string name, long[] dims, params double[] v) => b.Const(name, Tensors.Double(name, dims, v));

    static readonly (string, long[])[] AB23 = [("a", [2, 3]), ("b", [2, 3])];

    public static TheoryData<GradCase> Rows() =>
    [
        // ---- Add / Sub / Mul / Div / Neg / Identity (broadcast inputs get the summed-back gradient) ----
        new("Add", AB23, b => b.Op("Add", ["a", "b"], output: "y"), ["a", "b"]),
        new("Add broadcast [2,3]+[3]", [("a", [2, 3]), ("b", [3])], b => b.Op("Add", ["a", "b"], output: "y"), ["a", "b"]),
        new("Add broadcast [2,1,4]+[3,1]", [("a", [2, 1, 4]), ("b", [3, 1])], b => b.Op("Add", ["a", "b"], output: "y"), ["a", "b"]),
        new("Sub", [("a", [2, 3]), ("b", [1, 3])], b => b.Op("Sub", ["a", "b"], output: "y"), ["a", "b"]),
        new("Mul broadcast scalar", [("a", [2, 3]), ("b", [])], b => b.Op("Mul", ["a", "b"], output: "y"), ["a", "b"]),
        new("Div", AB23, b => b.Op("Div", ["a", "b"], output: "y"), ["a", "b"]),
        new("Neg", [("a", [4])], b => b.Op("Neg", ["a"], output: "y"), ["a"]),
        new("Identity", [("a", [4])], b => b.Op("Identity", ["a"], output: "y"), ["a"]),
        new("Mul fan-in (x·x)", [("a", [5])], b => b.Op("Mul", ["a", "a"], output: "y"), ["a"]),

        // ---- Sum / Mean (variadic, broadcasting) ----
        new("Sum of three, broadcast [2,3]+[3]+[2,1]", [("a", [2, 3]), ("b", [3]), ("c", [2, 1])],
            b => b.Op("Sum", ["a", "b", "c"], output: "y"), ["a", "b", "c"]),
        new("Sum of one", [("a", [2, 3])], b => b.Op("Sum", ["a"], output: "y"), ["a"]),
        new("Sum opset 8", [("a", [2, 3]), ("b", [1, 3])], b => b.Op("Sum", ["a", "b"], output: "y"), ["a", "b"], Opset: 8),
        // ORT has no float64 Mean kernel; Mean is linear, so float32 rounding is all the error.
        new("Mean of three, broadcast (float32)", [("a", [2, 3]), ("b", [3]), ("c", [2, 1])],
            b => b.Op("Mean", ["a", "b", "c"], output: "y"), ["a", "b", "c"], Type: DataType.Float, Tolerance: 1e-3, Seed: 7),

        // ---- Max / Min (ties: the first input) ----
        new("Max broadcast [2,3],[3]", [("a", [2, 3]), ("b", [3])], b => b.Op("Max", ["a", "b"], output: "y"), ["a", "b"]),
        new("Max of three", [("a", [3, 4]), ("b", [3, 4]), ("c", [4])], b => b.Op("Max", ["a", "b", "c"], output: "y"), ["a", "b", "c"], Seed: 11),
        new("Min broadcast [2,3],[2,1]", [("a", [2, 3]), ("b", [2, 1])], b => b.Op("Min", ["a", "b"], output: "y"), ["a", "b"]),
        new("Min of three opset 8", [("a", [3, 4]), ("b", [3, 4]), ("c", [3, 4])], b => b.Op("Min", ["a", "b", "c"], output: "y"), ["a", "b", "c"], Opset: 8),
        // Max(a, a) = a: on the tie the whole gradient goes to the first input, the sum is 1.
        new("Max tie (a, a)", [("a", [5])], b => b.Op("Max", ["a", "a"], output: "y"), ["a"]),
        new("Min tie (a, a, a) opset 13", [("a", [5])], b => b.Op("Min", ["a", "a", "a"], output: "y"), ["a"], Opset: 13),

        // ---- Pow: exponent a tensor, a float constant, an integer constant ----
        new("Pow tensor exponent [2,3]^[3]", [("x", [2, 3]), ("e", [3])], b => b.Op("Pow", ["x", "e"], output: "y"), ["x", "e"], Sample: Positive),
        new("Pow constant 3 (negative base)", [("x", [2, 3])], b => b.Op("Pow", ["x", Double(b, "e", [], 3)], output: "y"), ["x"]),
        new("Pow int64 exponent opset 15", [("x", [4])], b => b.Op("Pow", ["x", b.Const("e", Tensors.Int64("e", [], [2]))], output: "y"), ["x"], Opset: 15),
        new("Pow opset 8", [("x", [2, 3]), ("e", [1])], b => b.Op("Pow", ["x", "e"], output: "y"), ["x", "e"], Opset: 8, Sample: Positive),

        // ---- unary ----
        new("Sqrt", [("x", [3, 4])], b => b.Op("Sqrt", ["x"], output: "y"), ["x"], Sample: Positive),
        new("Exp", [("x", [3, 4])], b => b.Op("Exp", ["x"], output: "y"), ["x"]),
        new("Log", [("x", [3, 4])], b => b.Op("Log", ["x"], output: "y"), ["x"], Sample: Positive),
        new("Reciprocal", [("x", [3, 4])], b => b.Op("Reciprocal", ["x"], output: "y"), ["x"]),
        new("Abs", [("x", [3, 4])], b => b.Op("Abs", ["x"], output: "y"), ["x"]),
        new("Abs opset 8 (sign from comparisons)", [("x", [3, 4])], b => b.Op("Abs", ["x"], output: "y"), ["x"], Opset: 8),

        // ---- Where: condition gets nothing, A and B broadcast ----
        new("Where broadcast [2,3],[3]", [("c", [2, 3]), ("a", [2, 3]), ("b", [3])],
            b => b.Op("Where", [b.Op("Greater", ["c", Double(b, "zero", [], 0)]), "a", "b"], output: "y"), ["a", "b"]),
        new("Where opset 9, condition broadcast", [("c", [3]), ("a", [2, 3]), ("b", [2, 1])],
            b => b.Op("Where", [b.Op("Greater", ["c", Double(b, "zero", [], 0)]), "a", "b"], output: "y"), ["a", "b"], Opset: 9),

        // ---- Cast: float↔float carries the gradient, through an integer nothing flows ----
        new("Cast float→double→float", [("x", [3, 4])],
            b => b.Op("Cast", [b.Op("Cast", ["x"], [Attr.Int("to", (long)DataType.Double)])], [Attr.Int("to", (long)DataType.Float)], output: "y"),
            ["x"], Type: DataType.Float, Tolerance: 2e-3),
        new("Cast through int64 carries none: y = x·int(x)", [("x", [3, 4])],
            b => b.Op("Mul", ["x", b.Op("Cast", [b.Op("Cast", ["x"], [Attr.Int("to", (long)DataType.Int64)])], [Attr.Int("to", (long)DataType.Double)])], output: "y"),
            ["x"]),
        new("CastLike float→double→float opset 15", [("x", [3, 4])],
            b => b.Op("CastLike", [b.Op("CastLike", ["x", b.Const("d", Tensors.Double("d", [], [0]))]), "x"], output: "y"),
            ["x"], Type: DataType.Float, Tolerance: 2e-3, Opset: 15),

        // ---- Expand / Tile ----
        new("Expand [3,1] to [2,3,4]", [("x", [3, 1])], b => b.Op("Expand", ["x", b.ConstInts("shape", 2, 3, 4)], output: "y"), ["x"]),
        new("Expand [2,3] by [1,1] (keeps rank)", [("x", [2, 3])], b => b.Op("Expand", ["x", b.ConstInts("shape", 1, 1)], output: "y"), ["x"]),
        new("Tile [2,3] by [2,3]", [("x", [2, 3])], b => b.Op("Tile", ["x", b.ConstInts("r", 2, 3)], output: "y"), ["x"]),
        new("Tile [2,1,2] by [1,3,2] opset 8", [("x", [2, 1, 2])], b => b.Op("Tile", ["x", b.ConstInts("r", 1, 3, 2)], output: "y"), ["x"], Opset: 8),
        new("Tile run-time repeats and sizes", [("x", [2, 3])], b => b.Op("Tile", ["x", b.ConstInts("r", 3, 2)], output: "y"), ["x"],
            Shapes: RunTimeShapes.UnknownSizesAndNotConstant("r")),
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);
}
