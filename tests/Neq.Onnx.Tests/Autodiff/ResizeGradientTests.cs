using Neq.Onnx.Autodiff;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// Resize's nearest-neighbour gradient (Rules/ResizeRules.cs) against central finite differences.
/// ONNX Runtime's Resize is float32 only; the operator is linear in X, so h = 1e-2 is exact up to
/// float rounding, tolerance 2e-3. Modes without a block-sum gradient are one error naming the node.
/// </summary>
public sealed class ResizeGradientTests
{
    const double FloatTol = 2e-3;

    static GradCase Row(string name, long[] x, float[] scales, AttributeProto[] attrs, long opset = 13) =>
        new($"Resize {name}", [("x", x)],
            b => b.Op("Resize", ["x", "", b.Const("scales", Tensors.Float("scales", [scales.Length], scales))], attrs, output: "y", name: "up"),
            ["x"], DataType.Float, FloatTol, opset);

    static AttributeProto Transform(string mode) => Attr.String("coordinate_transformation_mode", mode);
    static AttributeProto Rounding(string mode) => Attr.String("nearest_mode", mode);

    public static TheoryData<GradCase> Rows() =>
    [
        Row("nearest asymmetric floor ×2×3 (PyTorch's Upsample)", [2, 3, 3, 4], [1, 1, 2, 3], [Attr.String("mode", "nearest"), Transform("asymmetric"), Rounding("floor")]),
        Row("nearest half_pixel round_prefer_floor (defaults) ×3", [1, 2, 3, 3], [1, 1, 3, 3], []),
        Row("nearest pytorch_half_pixel round_prefer_ceil ×2 1-D", [2, 3, 5], [1, 1, 2], [Transform("pytorch_half_pixel"), Rounding("round_prefer_ceil")]),
        Row("nearest asymmetric round_prefer_floor ×2 (½ rounds down)", [1, 2, 3, 3], [1, 1, 2, 2], [Transform("asymmetric")]),
        Row("opset 18 axes ×2", [2, 2, 3, 3], [2, 2], [Attr.Ints("axes", 2, 3), Transform("asymmetric"), Rounding("floor")], opset: 18),
        new("Resize sizes input ×2×3", [("x", [1, 2, 3, 2])],
            b => b.Op("Resize", ["x", "", "", b.ConstInts("sizes", 1, 2, 6, 6)], [Transform("asymmetric"), Rounding("floor")], output: "y"),
            ["x"], DataType.Float, FloatTol, 13),
        Row("nearest asymmetric floor ×2, batch N", [2, 2, 3, 3], [1, 1, 2, 2], [Transform("asymmetric"), Rounding("floor")]) with { Shapes = SymbolicBatch.Except() },
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);

    // Each row: the scales, the attributes, and the words of the error that say why.
    public static TheoryData<float[], AttributeProto[], string> Refused() => new()
    {
        { [1, 1, 2, 2], [Attr.String("mode", "linear")], "mode 'linear'" },
        { [1, 1, 1.5f, 2], [], "whole upscaling factors" },
        { [1, 1, 3, 3], [Transform("asymmetric")], "factor of 3" },   // round_prefer_floor sends j/3 = ⅔ up
        { [1, 1, 2, 2], [Transform("half_pixel"), Rounding("ceil")], "factor of 2" },   // (1 + ½)/2 − ½ = ¼ rounds up
        { [1, 1, 2, 2], [Transform("align_corners")], "align_corners" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_resize_without_a_block_sum_gradient_is_an_error_naming_the_node(float[] scales, AttributeProto[] attrs, string expected)
    {
        var g = new GraphBuilder("refused");
        g.AddInput("x", TensorType.Of(DataType.Float, 1, 2, 3, 3));
        g.Op("Resize", ["x", "", g.Const("scales", Tensors.Float("scales", [4], scales))], attrs, output: "y", name: "the_resize");
        g.Op("ReduceSum", ["y"], [Attr.Int("keepdims", 0)], output: "loss");
        var model = OnnxModel.Create(g.Graph, 13);
        var e = Assert.Throws<OnnxFormatException>(() => Backward.Append(model, new GradientOptions("loss", ["x"])));
        Assert.Contains("'the_resize' (Resize)", e.Message);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
