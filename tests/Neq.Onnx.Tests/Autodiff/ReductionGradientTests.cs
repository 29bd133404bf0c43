using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// Reduction rules (Rules/ReductionRules.cs) against central finite differences in float64
/// (tolerance 1e-6): axes as attribute (ReduceSum before 13, the others before 18) and as input,
/// keepdims 0/1, absent axes (all), noop_with_empty_axes, and run-time axes and sizes.
/// </summary>
public sealed class ReductionGradientTests
{
    static readonly (string, long[])[] X = [("x", [2, 3, 4])];

    static double Positive(Random r) => 0.5 + r.NextDouble();

    /// <summary>op(x) with axes as an attribute (null: none), keepdims as given (null: default).</summary>
    static GradCase Attr_(string name, string op, long[]? axes, long? keep, long opset, Func<Random, double>? sample = null) =>
        new(name, X, b => b.Op(op, ["x"], Attrs(axes, keep), output: "y"), ["x"], Opset: opset, Sample: sample);

    /// <summary>op(x, axes) with axes as an input (null: omitted), keepdims and noop as given.</summary>
    static GradCase Input(string name, string op, long[]? axes, long? keep, long opset, long? noop = null,
        Func<Random, double>? sample = null, Func<ShapeInferenceResult, ShapeInferenceResult>? shapes = null) =>
        new(name, X, b =>
        {
            var attrs = Attrs(null, keep);
            if (noop is { } n) attrs.Add(Attr.Int("noop_with_empty_axes", n));
            b.Op(op, axes is null ? ["x"] : ["x", b.ConstInts("axes", axes)], attrs, output: "y");
        }, ["x"], Opset: opset, Sample: sample, Shapes: shapes);

    static List<AttributeProto> Attrs(long[]? axes, long? keep)
    {
        var attrs = new List<AttributeProto>();
        if (axes is not null) attrs.Add(Attr.Ints("axes", axes));
        if (keep is { } k) attrs.Add(Attr.Int("keepdims", k));
        return attrs;
    }

    public static TheoryData<GradCase> Rows() =>
    [
        // ---- ReduceSum: axes attribute before 13, input from 13 ----
        Attr_("ReduceSum opset 11 axes [1] keepdims 0", "ReduceSum", [1], 0, 11),
        Attr_("ReduceSum opset 8 axes [0,−1] keepdims 1", "ReduceSum", [0, -1], null, 8),
        Attr_("ReduceSum opset 11 no axes (all) keepdims 0", "ReduceSum", null, 0, 11),
        Input("ReduceSum opset 13 axes [2,0] keepdims 0", "ReduceSum", [2, 0], 0, 13),
        Input("ReduceSum opset 13 no axes (all) keepdims 1", "ReduceSum", null, 1, 13),
        Input("ReduceSum opset 13 empty axes, noop", "ReduceSum", [], 0, 13, noop: 1),
        Input("ReduceSum run-time axes keepdims 0", "ReduceSum", [1, -1], 0, 13, shapes: RunTimeShapes.UnknownSizesAndNotConstant("axes")),

        // ---- ReduceMean: axes attribute before 18, input from 18 ----
        Attr_("ReduceMean opset 13 axes [1] keepdims 0", "ReduceMean", [1], 0, 13),
        Attr_("ReduceMean opset 13 no axes", "ReduceMean", null, null, 13),
        Input("ReduceMean opset 18 axes [−1,0] keepdims 0", "ReduceMean", [-1, 0], 0, 18),
        Input("ReduceMean opset 18 axes [1] keepdims 1", "ReduceMean", [1], 1, 18),
        Input("ReduceMean opset 18 run-time axes and sizes", "ReduceMean", [2], 0, 18, shapes: RunTimeShapes.UnknownSizesAndNotConstant("axes")),
        Attr_("ReduceMean opset 13 run-time sizes", "ReduceMean", [0, 2], 0, 13) with { Shapes = RunTimeShapes.UnknownSizes },

        // ---- ReduceMax / ReduceMin: to the extremal elements ----
        Attr_("ReduceMax opset 13 axes [1] keepdims 0", "ReduceMax", [1], 0, 13),
        Attr_("ReduceMax opset 8 all", "ReduceMax", null, 1, 8),
        Input("ReduceMax opset 18 axes [2]", "ReduceMax", [2], 1, 18),
        Input("ReduceMax opset 18 run-time axes", "ReduceMax", [0], 0, 18, shapes: RunTimeShapes.UnknownSizesAndNotConstant("axes")),
        Attr_("ReduceMin opset 13 axes [0,2] keepdims 0", "ReduceMin", [0, 2], 0, 13),
        Input("ReduceMin opset 18 all keepdims 0", "ReduceMin", null, 0, 18),
        // Ties: the maximum of [x, x] appears twice; each copy gets half, and x gets the sum.
        new("ReduceMax ties split: max over Concat(x, x)", [("x", [2, 3])],
            b => b.Op("ReduceMax", [b.Op("Concat", ["x", "x"], [Attr.Int("axis", 1)])], [Attr.Ints("axes", 1), Attr.Int("keepdims", 0)], output: "y"),
            ["x"], Opset: 13),

        // ---- the other reductions ----
        Attr_("ReduceL1 opset 13 axes [1]", "ReduceL1", [1], 0, 13),
        Input("ReduceL1 opset 18 axes [0]", "ReduceL1", [0], 1, 18),
        Attr_("ReduceL2 opset 13 axes [2]", "ReduceL2", [2], 0, 13),
        Input("ReduceL2 opset 18 all", "ReduceL2", null, 0, 18),
        Attr_("ReduceSumSquare opset 13 axes [0,1]", "ReduceSumSquare", [0, 1], 0, 13),
        Input("ReduceSumSquare opset 18 axes [1]", "ReduceSumSquare", [1], 1, 18),
        Attr_("ReduceLogSum opset 13 axes [1]", "ReduceLogSum", [1], 0, 13, Positive),
        Input("ReduceLogSum opset 18 axes [2]", "ReduceLogSum", [2], 1, 18, sample: Positive),
        Attr_("ReduceLogSumExp opset 13 axes [1]", "ReduceLogSumExp", [1], 0, 13),
        Input("ReduceLogSumExp opset 18 all keepdims 1", "ReduceLogSumExp", null, 1, 18),
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);
}
