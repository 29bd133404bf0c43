using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// Pooling gradients against finite differences. MaxPool runs in float64 on ONNX Runtime's CPU
/// (tolerance 1e-6, h = 1e-6; random inputs have no ties within h). AveragePool and the global
/// pools are float32 only there: they are linear, so the difference with h = 1e-2 is exact up to
/// float rounding, tolerance 2e-3. GlobalMaxPool is float32 and piecewise linear: h = 1e-2 is far
/// below the gaps between random inputs, tolerance 2e-3.
/// </summary>
public sealed class PoolGradientTests
{
    const double FloatTol = 2e-3;

    static GradCase Max(string name, long[] x, AttributeProto[] attrs, bool withIndices = false, long opset = 17) =>
        new($"MaxPool {name}", [("x", x)],
            b => b.OpN("MaxPool", ["x"], withIndices ? ["y", "indices"] : ["y"], attrs), ["x"], Opset: opset);

    static GradCase Avg(string name, long[] x, AttributeProto[] attrs, long opset = 17) =>
        new($"AveragePool {name}", [("x", x)],
            b => b.Op("AveragePool", ["x"], attrs, output: "y"), ["x"], DataType.Float, FloatTol, opset);

    static AttributeProto K(params long[] k) => Attr.Ints("kernel_shape", k);
    static AttributeProto S(params long[] s) => Attr.Ints("strides", s);
    static AttributeProto P(params long[] p) => Attr.Ints("pads", p);

    public static TheoryData<GradCase> Rows() =>
    [
        // ---- MaxPool ----
        Max("2x2 s2 (no overlap)", [2, 3, 4, 6], [K(2, 2), S(2, 2)]),
        Max("3x3 s2 pads 1 (overlap, ResNet stem)", [2, 2, 7, 7], [K(3, 3), S(2, 2), P(1, 1, 1, 1)]),
        Max("3x3 s1 (overlap)", [1, 2, 5, 5], [K(3, 3)]),
        Max("3x2 s2 ceil_mode", [1, 2, 6, 5], [K(3, 2), S(2, 2), Attr.Int("ceil_mode", 1)]),
        Max("2x2 s1 dilations 2 asym pads", [1, 2, 6, 6], [K(2, 2), Attr.Ints("dilations", 2, 2), P(0, 1, 1, 0)]),
        Max("SAME_UPPER 3 s2", [1, 2, 6, 7], [K(3, 3), S(2, 2), Attr.String("auto_pad", "SAME_UPPER")]),
        Max("1-D k3 s2", [2, 3, 9], [K(3), S(2)]),
        Max("3-D k2 s2", [1, 2, 4, 4, 4], [K(2, 2, 2), S(2, 2, 2)]),
        Max("uses the node's Indices", [2, 2, 5, 5], [K(3, 3), S(2, 2)], withIndices: true),
        Max("storage_order 1 recomputes indices", [2, 2, 5, 5], [K(3, 3), S(2, 2), Attr.Int("storage_order", 1)], withIndices: true),
        Max("opset 13 (no overlap, plain scatter)", [2, 3, 4, 6], [K(2, 2), S(2, 2)], opset: 13),

        // ---- AveragePool ----
        Avg("2x2 s2", [2, 3, 4, 6], [K(2, 2), S(2, 2)]),
        Avg("3x3 s2 pads 1 count_include_pad 0", [2, 2, 7, 6], [K(3, 3), S(2, 2), P(1, 1, 1, 1)]),
        Avg("3x3 s2 pads 1 count_include_pad 1", [2, 2, 7, 6], [K(3, 3), S(2, 2), P(1, 1, 1, 1), Attr.Int("count_include_pad", 1)]),
        Avg("3x2 s2 asym pads ceil_mode", [1, 2, 6, 7], [K(3, 2), S(2, 2), P(0, 1, 1, 0), Attr.Int("ceil_mode", 1)]),
        Avg("3x2 s2 asym pads ceil_mode count_include_pad 1", [1, 2, 6, 7], [K(3, 2), S(2, 2), P(0, 1, 1, 0), Attr.Int("ceil_mode", 1), Attr.Int("count_include_pad", 1)]),
        Avg("3x3 s1 SAME_UPPER", [1, 2, 5, 6], [K(3, 3), Attr.String("auto_pad", "SAME_UPPER")]),
        Avg("2x2 s2 SAME_LOWER count_include_pad 1", [1, 2, 5, 5], [K(2, 2), S(2, 2), Attr.String("auto_pad", "SAME_LOWER"), Attr.Int("count_include_pad", 1)]),
        Avg("1-D k3 s2 pads 1", [2, 3, 8], [K(3), S(2), P(1, 1)]),
        Avg("3-D k2 s1 pads 1", [1, 2, 3, 4, 3], [K(2, 2, 2), P(1, 0, 1, 0, 1, 1)]),
        Avg("opset 19 dilations 2", [1, 2, 7, 7], [K(2, 3), S(2, 1), Attr.Ints("dilations", 2, 2), P(1, 1, 1, 1)], opset: 19),
        Avg("opset 9 k3 s2 pads 1", [1, 2, 7, 7], [K(3, 3), S(2, 2), P(1, 1, 1, 1)], opset: 9),

        // ---- global pools ----
        new("GlobalAveragePool 2-D", [("x", [2, 3, 4, 5])], b => b.Op("GlobalAveragePool", ["x"], output: "y"), ["x"], DataType.Float, FloatTol),
        new("GlobalAveragePool 1-D", [("x", [2, 3, 6])], b => b.Op("GlobalAveragePool", ["x"], output: "y"), ["x"], DataType.Float, FloatTol),
        new("GlobalMaxPool 2-D", [("x", [2, 3, 4, 5])], b => b.Op("GlobalMaxPool", ["x"], output: "y"), ["x"], DataType.Float, FloatTol),
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);
}
