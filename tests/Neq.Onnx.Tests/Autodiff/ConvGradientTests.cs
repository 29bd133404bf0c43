using Neq.Onnx.Autodiff;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Operators;
using Neq.Onnx.Shapes;
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
        // Symbolic batch size: the rules need spatial sizes only.
        new("Conv 2-D s1 pads 1 g2 bias, batch N", [("x", [2, 4, 5, 5]), ("w", [4, 2, 3, 3]), ("b", [4])],
            b => b.Op("Conv", ["x", "w", "b"], [Attr.Ints("pads", 1, 1, 1, 1), Attr.Int("group", 2)], output: "y"),
            ["x", "w", "b"], DataType.Float, Tol, Shapes: SymbolicBatch.Except("w", "b")),
        new("Conv 2-D s2 pads 1, batch N", [("x", [2, 2, 6, 5]), ("w", [3, 2, 3, 3])],
            b => b.Op("Conv", ["x", "w"], [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)], output: "y"),
            ["x", "w"], DataType.Float, Tol, Shapes: SymbolicBatch.Except("w")),
        new("ConvTranspose 2-D s2 output_padding 1, batch N", [("x", [2, 2, 3, 3]), ("w", [2, 2, 3, 3])],
            b => b.Op("ConvTranspose", ["x", "w"], [Attr.Ints("strides", 2, 2), Attr.Ints("output_padding", 1, 1), Attr.Ints("pads", 1, 0, 0, 1)], output: "y"),
            ["x", "w"], DataType.Float, Tol, Shapes: SymbolicBatch.Except("w")),

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

    /// <summary>
    /// A small CNN end to end — Conv, BatchNormTraining, Tanh, AveragePool, strided grouped Conv,
    /// GlobalAveragePool, Flatten, Gemm, SoftmaxCrossEntropyLoss — so the rules compose. Smooth
    /// on purpose (no ReLU or MaxPool kinks a float step of 1e-2 could cross); float32 because of
    /// Conv, tolerance 5e-3 (a deeper chain of float rounding than one operator).
    /// </summary>
    public static TheoryData<GradCase> NetworkRows() =>
    [
        new("small CNN", [("x", [3, 2, 6, 6]), ("w1", [4, 2, 3, 3]), ("gamma", [4]), ("beta", [4]), ("mean", [4]), ("var", [4]), ("w2", [6, 2, 3, 3]), ("b2", [6]), ("fc", [5, 6]), ("fcb", [5])],
            b =>
            {
                var h = b.Op("Conv", ["x", "w1"], [Attr.Ints("pads", 1, 1, 1, 1)]);
                h = b.Op("BatchNormalization", [h, "gamma", "beta", "mean", "var"], name: "bn");
                h = b.Op("Tanh", [h]);
                h = b.Op("AveragePool", [h], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 1, 1)]);
                h = b.Op("Conv", [h, "w2", "b2"], [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1), Attr.Int("group", 2)]);
                h = b.Op("Flatten", [b.Op("GlobalAveragePool", [h])]);
                h = b.Op("Gemm", [h, "fc", "fcb"], [Attr.Int("transB", 1)]);
                var labels = b.Const("labels", Tensors.Int64("", [3], [4, 0, 2]));
                b.Op("SoftmaxCrossEntropyLoss", [h, labels], output: "y");
            },
            ["x", "w1", "gamma", "beta", "w2", "b2", "fc", "fcb"], DataType.Float, 5e-3,
            Sample: r => 0.2 + r.NextDouble(), // positive running variance
            Finish: m => BatchNormTraining.Replace(m, m.Graph.Node.Single(n => n.Name == "bn"))),
    ];

    [Theory]
    [MemberData(nameof(NetworkRows))]
    public void Network_gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);

    /// <summary>
    /// The CPU-fast forms are the ones taken: for stride 1 the input gradient is a Conv (no
    /// ConvTranspose) and the weight gradient per-offset MatMuls; stride 2 uses ConvTranspose and
    /// the swapped Conv. Same graph twice gives identical bytes.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Stride_picks_the_backward_forms_deterministically(long stride)
    {
        byte[] Build(out string[] ops)
        {
            var b = new GraphBuilder("conv");
            b.AddInput("x", TensorType.Of(DataType.Float, 2, 4, 8, 8));
            b.AddInput("w", TensorType.Of(DataType.Float, 8, 4, 3, 3));
            b.Op("Conv", ["x", "w"], [Attr.Ints("strides", stride, stride), Attr.Ints("pads", 1, 1, 1, 1)], output: "y");
            b.Op("ReduceSum", ["y"], [Attr.Int("keepdims", 0)], output: "loss");
            var model = OnnxModel.Create(b.Graph);
            int before = model.Graph.Node.Count;
            Backward.Append(model, new GradientOptions("loss", ["x", "w"]));
            ops = model.Graph.Node.Skip(before).Select(n => n.OpType).ToArray();
            return OnnxFile.Serialize(model);
        }
        var first = Build(out var ops);
        Assert.Equal(first, Build(out _));
        Assert.Equal(stride == 1 ? 0 : 1, ops.Count(o => o == "ConvTranspose"));
        Assert.Equal(stride == 1 ? 9 : 0, ops.Count(o => o == "MatMul"));
        Assert.Equal(1, ops.Count(o => o == "Conv")); // dX (stride 1) or dW (stride 2)
    }

    /// <summary>
    /// dW at a few output channels only (a known mask freezes the rest): with 16 input channels and
    /// a few rows the rule moves G instead of X (the output-shift form), with eight rows it
    /// keeps the split shifts; the rows asked for are checked against finite differences.
    /// </summary>
    public static TheoryData<GradCase> RowSubsetRows()
    {
        var rows = new TheoryData<GradCase>();
        int seed = 400;
        foreach (var (name, x, w, attrs, picked) in new (string, long[], long[], AttributeProto[], long[])[]
        {
            ("2-D pads 1, rows {2}", [2, 16, 5, 6], [8, 16, 3, 3], [Attr.Ints("pads", 1, 1, 1, 1)], [2]),
            ("2-D pads 0, rows {0, 7}", [2, 24, 5, 6], [8, 24, 3, 3], [], [0, 7]),
            ("2-D asym pads, dilation 2, kernel 3×2, rows {5}", [1, 16, 7, 6], [8, 16, 3, 2], [Attr.Ints("pads", 0, 2, 2, 1), Attr.Ints("dilations", 2, 2)], [5]),
            ("2-D SAME_LOWER kernel 2×2, rows {1}", [2, 16, 4, 5], [4, 16, 2, 2], [Attr.String("auto_pad", "SAME_LOWER")], [1]),
            ("2-D pad > kernel reach, rows {3}", [1, 16, 4, 4], [4, 16, 2, 2], [Attr.Ints("pads", 2, 0, 1, 2)], [3]),
            ("1-D pads 1, rows {1} (split shifts: no X copies in 1-D)", [2, 16, 9], [3, 16, 3], [Attr.Ints("pads", 1, 1)], [1]),
            ("3-D pads 1, rows {0}", [1, 16, 3, 4, 3], [2, 16, 3, 3, 3], [Attr.Ints("pads", 1, 1, 1, 1, 1, 1)], [0]),
            ("2-D pads 1, rows {0, 2, 4, 6} (split shifts)", [2, 16, 5, 6], [8, 16, 3, 3], [Attr.Ints("pads", 1, 1, 1, 1)], [0, 2, 4, 6]),
        })
        {
            var subset = new Dictionary<string, RowSubset> { ["w"] = new RowSubset(0, picked) };
            rows.Add(new GradCase($"Conv rows: {name}", [("x", x), ("w", w)], b => b.Op("Conv", ["x", "w"], attrs, output: "y"),
                ["x", "w"], DataType.Float, Tol, Seed: ++seed, OnlyRows: subset));
        }
        return rows;
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(3, true)]
    [InlineData(4, false)]
    [InlineData(8, false)]
    public void Few_trained_rows_move_G_instead_of_copying_X(int trained, bool outputShifts)
    {
        var b = new GraphBuilder("conv");
        b.AddInput("x", TensorType.Of(DataType.Float, 2, 32, 8, 8));
        b.AddInput("w", TensorType.Of(DataType.Float, 16, 32, 3, 3));
        b.Op("Conv", ["x", "w"], [Attr.Ints("pads", 1, 1, 1, 1)], output: "y");
        b.Op("ReduceSum", ["y"], [Attr.Int("keepdims", 0)], output: "loss");
        var model = OnnxModel.Create(b.Graph);
        int before = model.Graph.Node.Count;
        // 3×3, pad 1, C = 32: split shifts copy 2·32 + 2·|A| planes, output shifts 19·|A|.
        var rows = Enumerable.Range(0, trained).Select(i => (long)(2 * i)).ToArray();
        Backward.Append(model, new GradientOptions("loss", ["w"], new Dictionary<string, RowSubset> { ["w"] = new(0, rows) }));
        var added = model.Graph.Node.Skip(before).ToList();
        // Split shifts pad X twice (one shift per nonzero column offset); output shifts never copy X.
        Assert.Equal(outputShifts ? 0 : 2, added.Count(n => n.OpType == "Pad" && n.Input[0] == "x"));
        Assert.Equal(outputShifts ? 1 : 9, added.Count(n => n.OpType == "MatMul"));
    }

    [Theory]
    [MemberData(nameof(RowSubsetRows))]
    public void Conv_weight_rows_match_finite_differences(GradCase row) => GradCheck.Run(row);

    [Theory]
    [MemberData(nameof(ConvRows))]
    public void Conv_gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);

    [Theory]
    [MemberData(nameof(OtherRows))]
    public void Gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);
}
