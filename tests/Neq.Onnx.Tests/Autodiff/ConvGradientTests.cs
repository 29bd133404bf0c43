using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// Conv and ConvTranspose gradients against finite differences over a grid of strides, pads,
/// auto_pad, dilations, groups, bias, 1-D/2-D/3-D. ONNX Runtime's CPU Conv kernels are float32
/// only, so every row is float32 with h = 1e-2; both operators are linear in X and in W, so the
/// central difference is exact up to float rounding and the stated tolerance is 2e-3.
/// </summary>
public sealed class ConvGradientTests
{
    const double Tol = 2e-3;

    /// <summary>A padding variant of the grid: explicit pads (per spatial axis begin/end) or an auto_pad mode.</summary>
    sealed record Padding(string Name, Func<int, AttributeProto?> Attr);

    static readonly Padding[] Paddings =
    [
        new("pads 0", _ => null),
        new("pads 1", r => Attr.Ints("pads", Enumerable.Repeat(1L, 2 * r))),
        new("pads asym", r => Attr.Ints("pads", r == 1 ? [0L, 2] : [0L, 1, 2, 1])),
        new("SAME_UPPER", _ => Attr.String("auto_pad", "SAME_UPPER")),
        new("SAME_LOWER", _ => Attr.String("auto_pad", "SAME_LOWER")),
        new("VALID", _ => Attr.String("auto_pad", "VALID")),
    ];

    /// <summary>Groups over 4 input channels: plain, two groups, depthwise with channel multiplier 2.</summary>
    static readonly (string Name, long Group, long M)[] Groups = [("g1", 1, 3), ("g2", 2, 4), ("depthwise", 4, 8)];

    public static TheoryData<GradCase> ConvRows()
    {
        var grid =
            from spatial in new long[][] { [7], [5, 6] }
            from stride in new long[] { 1, 2 }
            from pad in Paddings
            from dilation in new long[] { 1, 2 }
            where dilation == 1 || !pad.Name.StartsWith("SAME") // ONNX Runtime's Conv rejects dilations with SAME_*
            from grp in Groups
            select (spatial, stride, pad, dilation, grp);
        var rows = new TheoryData<GradCase>();
        int seed = 100;
        foreach (var (spatial, stride, pad, dilation, grp) in grid)
        {
            seed++;
            bool bias = seed % 2 == 0;
            int r = spatial.Length;
            long[] kernel = r == 1 ? [3] : [3, 2];
            var attrs = new List<AttributeProto>
            {
                Attr.Ints("strides", Enumerable.Repeat(stride, r)), Attr.Ints("dilations", Enumerable.Repeat(dilation, r)), Attr.Int("group", grp.Group),
            };
            if (pad.Attr(r) is { } pa) attrs.Add(pa);
            var inputs = new List<(string, long[])> { ("x", [2, 4, .. spatial]), ("w", [grp.M, 4 / grp.Group, .. kernel]) };
            if (bias) inputs.Add(("b", [grp.M]));
            var names = inputs.Select(i => i.Item1).ToArray();
            rows.Add(new GradCase(
                $"Conv {r}-D s{stride} {pad.Name} d{dilation} {grp.Name}{(bias ? " bias" : "")}",
                inputs, b => b.Op("Conv", names, attrs, output: "y"), names, DataType.Float, Tol, Seed: seed));
        }
        return rows;
    }

    public static TheoryData<GradCase> OtherRows() =>
    [
        new("Conv 3-D s2 pads 1 g2 bias", [("x", [1, 2, 4, 3, 4]), ("w", [2, 1, 2, 2, 3]), ("b", [2])],
            b => b.Op("Conv", ["x", "w", "b"], [Attr.Ints("strides", 2, 1, 2), Attr.Ints("pads", 1, 0, 1, 0, 1, 1), Attr.Int("group", 2)], output: "y"),
            ["x", "w", "b"], DataType.Float, Tol),
        new("Conv 3-D s1 SAME_LOWER", [("x", [1, 2, 4, 4, 3]), ("w", [3, 2, 2, 2, 2])],
            b => b.Op("Conv", ["x", "w"], [Attr.String("auto_pad", "SAME_LOWER")], output: "y"),
            ["x", "w"], DataType.Float, Tol),
        new("Conv 2-D s1 pad > kernel reach (ConvTranspose path)", [("x", [1, 2, 4, 4]), ("w", [2, 2, 2, 2])],
            b => b.Op("Conv", ["x", "w"], [Attr.Ints("pads", 2, 0, 1, 2)], output: "y"),
            ["x", "w"], DataType.Float, Tol),
        new("Conv 2-D s3 k2 (input rows never read)", [("x", [2, 2, 8, 7]), ("w", [3, 2, 2, 2])],
            b => b.Op("Conv", ["x", "w"], [Attr.Ints("strides", 3, 3)], output: "y"),
            ["x", "w"], DataType.Float, Tol),
        new("Conv 2-D opset 9 s1 (ConvTranspose path)", [("x", [1, 2, 5, 5]), ("w", [2, 2, 3, 3]), ("b", [2])],
            b => b.Op("Conv", ["x", "w", "b"], [Attr.Ints("pads", 1, 1, 1, 1)], output: "y"),
            ["x", "w", "b"], DataType.Float, Tol, Opset: 9),
        new("Conv 2-D opset 21 s2 g2", [("x", [2, 4, 6, 6]), ("w", [4, 2, 3, 3])],
            b => b.Op("Conv", ["x", "w"], [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1), Attr.Int("group", 2)], output: "y"),
            ["x", "w"], DataType.Float, Tol, Opset: 21),

        // ---- ConvTranspose ----
        new("ConvTranspose 2-D s1", [("x", [2, 3, 4, 4]), ("w", [3, 2, 3, 3]), ("b", [2])],
            b => b.Op("ConvTranspose", ["x", "w", "b"], output: "y"), ["x", "w", "b"], DataType.Float, Tol),
        new("ConvTranspose 2-D s2 pads 1 output_padding 1", [("x", [2, 2, 3, 4]), ("w", [2, 3, 3, 3])],
            b => b.Op("ConvTranspose", ["x", "w"], [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("output_padding", 1, 1)], output: "y"),
            ["x", "w"], DataType.Float, Tol),
        new("ConvTranspose 2-D s2 output_padding 1 no pads", [("x", [1, 2, 3, 3]), ("w", [2, 2, 3, 3])],
            b => b.Op("ConvTranspose", ["x", "w"], [Attr.Ints("strides", 2, 2), Attr.Ints("output_padding", 1, 0)], output: "y"),
            ["x", "w"], DataType.Float, Tol),
        new("ConvTranspose 2-D s2 d2 g2 asym pads", [("x", [1, 4, 3, 3]), ("w", [4, 1, 2, 3]), ("b", [2])],
            b => b.Op("ConvTranspose", ["x", "w", "b"], [Attr.Ints("strides", 2, 2), Attr.Ints("dilations", 2, 2), Attr.Int("group", 2), Attr.Ints("pads", 0, 1, 2, 1)], output: "y"),
            ["x", "w", "b"], DataType.Float, Tol),
        new("ConvTranspose 1-D s2 SAME_UPPER", [("x", [2, 2, 5]), ("w", [2, 2, 3])],
            b => b.Op("ConvTranspose", ["x", "w"], [Attr.Ints("strides", 2), Attr.String("auto_pad", "SAME_UPPER")], output: "y"),
            ["x", "w"], DataType.Float, Tol),
        new("ConvTranspose 1-D s2 SAME_LOWER", [("x", [2, 2, 5]), ("w", [2, 2, 3])],
            b => b.Op("ConvTranspose", ["x", "w"], [Attr.Ints("strides", 2), Attr.String("auto_pad", "SAME_LOWER")], output: "y"),
            ["x", "w"], DataType.Float, Tol),
        new("ConvTranspose 1-D s2 output_shape smaller", [("x", [2, 2, 5]), ("w", [2, 2, 3])],
            b => b.Op("ConvTranspose", ["x", "w"], [Attr.Ints("strides", 2), Attr.Ints("output_shape", 8)], output: "y"),
            ["x", "w"], DataType.Float, Tol),
        new("ConvTranspose 1-D s2 output_shape SAME_UPPER", [("x", [2, 2, 5]), ("w", [2, 2, 3])],
            b => b.Op("ConvTranspose", ["x", "w"], [Attr.Ints("strides", 2), Attr.Ints("output_shape", 8), Attr.String("auto_pad", "SAME_UPPER")], output: "y"),
            ["x", "w"], DataType.Float, Tol),
        new("ConvTranspose 1-D s2 output_shape larger than full", [("x", [2, 2, 5]), ("w", [2, 2, 3])],
            b => b.Op("ConvTranspose", ["x", "w"], [Attr.Ints("strides", 2), Attr.Ints("output_shape", 12)], output: "y"),
            ["x", "w"], DataType.Float, Tol),
        new("ConvTranspose 3-D s2", [("x", [1, 2, 2, 3, 2]), ("w", [2, 1, 2, 2, 2])],
            b => b.Op("ConvTranspose", ["x", "w"], [Attr.Ints("strides", 2, 1, 2)], output: "y"),
            ["x", "w"], DataType.Float, Tol),
    ];

    [Theory]
    [MemberData(nameof(ConvRows))]
    public void Conv_gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);

    [Theory]
    [MemberData(nameof(OtherRows))]
    public void Gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);
}
