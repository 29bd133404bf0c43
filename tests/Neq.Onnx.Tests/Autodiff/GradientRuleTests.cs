using Neq.Onnx.Graphs;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// Every gradient rule against central finite differences: one row per rule and attribute
/// variant, float64 where ONNX Runtime has float64 kernels (tolerance 1e-6), else float32 with the
/// tolerance written in the row.
/// </summary>
public sealed class GradientRuleTests
{
    static readonly (string, long[])[] AB23 = [("a", [2, 3]), ("b", [2, 3])];

    public static TheoryData<GradCase> Rows() =>
    [
        // ---- elementwise ----
        new("Add", AB23, b => b.Op("Add", ["a", "b"], output: "y"), ["a", "b"]),
        new("Add broadcast [2,3]+[3]", [("a", [2, 3]), ("b", [3])], b => b.Op("Add", ["a", "b"], output: "y"), ["a", "b"]),
        new("Add broadcast [2,1,4]+[3,1]", [("a", [2, 1, 4]), ("b", [3, 1])], b => b.Op("Add", ["a", "b"], output: "y"), ["a", "b"]),
        new("Sub", [("a", [2, 3]), ("b", [1, 3])], b => b.Op("Sub", ["a", "b"], output: "y"), ["a", "b"]),
        new("Mul broadcast scalar", [("a", [2, 3]), ("b", [])], b => b.Op("Mul", ["a", "b"], output: "y"), ["a", "b"]),
        new("Div", AB23, b => b.Op("Div", ["a", "b"], output: "y"), ["a", "b"]),
        new("Neg", [("a", [4])], b => b.Op("Neg", ["a"], output: "y"), ["a"]),
        new("Identity", [("a", [4])], b => b.Op("Identity", ["a"], output: "y"), ["a"]),
        new("Mul fan-in (x·x)", [("a", [5])], b => b.Op("Mul", ["a", "a"], output: "y"), ["a"]),

        // ---- activations ----
        new("Relu", [("a", [3, 4])], b => b.Op("Relu", ["a"], output: "y"), ["a"]),
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);
}
