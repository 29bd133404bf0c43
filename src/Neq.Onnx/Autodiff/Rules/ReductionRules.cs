using Neq.Onnx.Graphs;

namespace Neq.Onnx.Autodiff.Rules;

// Reductions over axes. Legend: X the input, Y the output, G = dY; "kept" means with the reduced
// axes present as size 1 (keepdims=1), so that it broadcasts against X. Every rule is
// dX = f'(X, Ykept) · Gkept, expanded to X's shape where f' does not already have it.

/// <summary>Gradient rules of the Reduce* operators.</summary>
static class ReductionRules
{
    /// <summary>Y = ΣX: dX = Expand(Gkept, shape(X)).</summary>
    public static Grad?[] ReduceSum(GradContext c) => c.Result(() =>
    {
        var r = Reduction.Of(c, 13);
        return c.Expand(r.Kept(c.G), c.ShapeOf(c.I(0)));
    });

    /// <summary>Y = ΣX/n: dX = Expand(Gkept/n, shape(X)), n the number of elements averaged into each Y.</summary>
    public static Grad?[] ReduceMean(GradContext c) => c.Result(() =>
    {
        var r = Reduction.Of(c, 18);
        return c.Expand(c.Div(r.Kept(c.G), r.Count()), c.ShapeOf(c.I(0)));
    });

    /// <summary>Y = max X: the gradient is shared equally by the elements equal to the maximum (as PyTorch's amax).</summary>
    public static Grad?[] ReduceMax(GradContext c) => c.Result(() => Extremum(c, max: true));

    /// <summary>Y = min X: the gradient is shared equally by the elements equal to the minimum.</summary>
    public static Grad?[] ReduceMin(GradContext c) => c.Result(() => Extremum(c, max: false));

    // X ≤ Ykept everywhere for Max, so X = Ykept ⇔ not Ykept > X: a mask from Greater alone
    // (float Equal needs opset 11). dX = mask·Gkept / Σmask.
    static string Extremum(GradContext c, bool max)
    {
        var r = Reduction.Of(c, 18);
        var x = c.I(0);
        var y = r.Kept(c.O(0));
        var beaten = max ? c.GreaterAsFloat(y, x, c.ElemType(x)) : c.GreaterAsFloat(x, y, c.ElemType(x));
        var mask = c.Sub(c.ScalarLike(1, x), beaten);
        return c.Div(c.Mul(mask, r.Kept(c.G)), r.SumKept(mask));
    }

    /// <summary>Y = √ΣX²: dX = Gkept·X/Ykept (undefined where Y = 0).</summary>
    public static Grad?[] ReduceL2(GradContext c) => c.Result(() =>
    {
        var r = Reduction.Of(c, 18);
        return c.Mul(r.Kept(c.G), c.Div(c.I(0), r.Kept(c.O(0))));
    });

    /// <summary>Y = Σ|X|: dX = Gkept·sign(X).</summary>
    public static Grad?[] ReduceL1(GradContext c) => c.Result(() =>
    {
        var r = Reduction.Of(c, 18);
        return c.Mul(r.Kept(c.G), c.Sign(c.I(0), c.ElemType(c.I(0))));
    });

    /// <summary>Y = ΣX²: dX = 2·X·Gkept.</summary>
    public static Grad?[] ReduceSumSquare(GradContext c) => c.Result(() =>
    {
        var r = Reduction.Of(c, 18);
        return c.Mul(c.Mul(c.I(0), c.ScalarLike(2, c.I(0))), r.Kept(c.G));
    });

    /// <summary>Y = ln Σe^X: dX = Gkept·e^(X − Ykept) (the softmax of X over the axes).</summary>
    public static Grad?[] ReduceLogSumExp(GradContext c) => c.Result(() =>
    {
        var r = Reduction.Of(c, 18);
        return c.Mul(r.Kept(c.G), c.Exp(c.Sub(c.I(0), r.Kept(c.O(0)))));
    });

    /// <summary>Y = ln ΣX: dX = Expand(Gkept/e^Ykept, shape(X)).</summary>
    public static Grad?[] ReduceLogSum(GradContext c) => c.Result(() =>
    {
        var r = Reduction.Of(c, 18);
        return c.Expand(c.Div(r.Kept(c.G), c.Exp(r.Kept(c.O(0)))), c.ShapeOf(c.I(0)));
    });

    /// <summary>
    /// A reduction node's axes and keepdims: axes from the attribute before
    /// <c>axesInputSince</c> (13 for ReduceSum, 18 for the others), else from the optional input;
    /// absent or empty axes mean all axes, or none with noop_with_empty_axes=1. A run-time axes
    /// input (no constant) is used as is: Unsqueeze and ReduceSum take it as an input then.
    /// </summary>
    sealed class Reduction
    {
        readonly GradContext _c;
        readonly long[]? _axes;       // normalized, sorted; null when only known at run time
        readonly string? _axesInput;  // the run-time axes input, when _axes is null
        readonly bool _keep;

        Reduction(GradContext c, long[]? axes, string? axesInput, bool keep)
        {
            _c = c;
            _axes = axes;
            _axesInput = axesInput;
            _keep = keep;
        }

        public static Reduction Of(GradContext c, long axesInputSince)
        {
            int rank = c.Rank(c.I(0));
            bool keep = c.Node.GetInt("keepdims", 1) != 0;
            long[] all = Enumerable.Range(0, rank).Select(a => (long)a).ToArray();
            long[]? axes;
            if (c.Opset < axesInputSince) axes = c.Node.GetInts("axes") is { Length: > 0 } a ? a : all;
            else if (!c.HasI(1) || c.ConstInts(c.I(1)) is { Length: 0 })
                axes = c.Node.GetInt("noop_with_empty_axes", 0) != 0 ? [] : all;
            else if (c.ConstInts(c.I(1)) is { } given) axes = given;
            else return new Reduction(c, null, c.I(1), keep);
            return new Reduction(c, axes.Select(a => RuleShapes.NormalizeAxis(a, rank)).Order().ToArray(), null, keep);
        }

        /// <summary><paramref name="v"/> (shaped like Y) with the reduced axes as size 1.</summary>
        public string Kept(string v)
        {
            if (_keep) return v;
            if (_axes is null) return _c.Op("Unsqueeze", [v, _axesInput!]); // run-time axes exist only from opset 13, like this form
            return _axes.Length == 0 ? v : _c.Unsqueeze(v, _axes);
        }

        /// <summary>Σ<paramref name="v"/> over the reduced axes, kept (v shaped like X).</summary>
        public string SumKept(string v)
        {
            if (_axes is null)
                return _c.Op("ReduceSum", [v, _axesInput!], [Attr.Int("keepdims", 1), Attr.Int("noop_with_empty_axes", _c.Node.GetInt("noop_with_empty_axes", 0))]);
            return _axes.Length == 0 ? v : _c.ReduceSum(v, _axes, keepDims: true);
        }

        /// <summary>The number of elements reduced into each output, as a scalar of X's type.</summary>
        public string Count()
        {
            var x = _c.I(0);
            if (_axes is not null && _c.TypeOf(x)?.Shape is { } shape && _axes.All(a => shape[(int)a].IsKnown))
                return _c.ScalarLike(_axes.Aggregate(1L, (n, a) => n * shape[(int)a].Value!.Value), x);
            var t = _c.ElemType(x);
            return _c.Div(_c.Cast(_c.Op("Size", [x]), t), _c.Cast(_c.Op("Size", [_c.O(0)]), t));
        }
    }
}
