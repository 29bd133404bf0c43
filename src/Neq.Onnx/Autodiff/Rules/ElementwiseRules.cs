using Neq.Onnx.Graphs;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Autodiff.Rules;

// Elementwise arithmetic with multidirectional broadcasting. Shape legend: Y and G (the incoming
// gradient) have the broadcast shape of the inputs; Grad.Unbroadcast lets the engine sum a
// gradient back to its input's shape.

/// <summary>Gradient rules of elementwise arithmetic.</summary>
static class ElementwiseRules
{
    /// <summary>Y = A + B: dA = G, dB = G.</summary>
    public static Grad?[] Add(GradContext c) => c.Result(
        () => Grad.Unbroadcast(c.G),
        () => Grad.Unbroadcast(c.G));

    /// <summary>Y = A − B: dA = G, dB = −G.</summary>
    public static Grad?[] Sub(GradContext c) => c.Result(
        () => Grad.Unbroadcast(c.G),
        () => Grad.Unbroadcast(c.Neg(c.G)));

    /// <summary>Y = A · B: dA = G·B, dB = G·A.</summary>
    public static Grad?[] Mul(GradContext c) => c.Result(
        () => Grad.Unbroadcast(c.Mul(c.G, c.I(1))),
        () => Grad.Unbroadcast(c.Mul(c.G, c.I(0))));

    /// <summary>Y = A / B: dA = G/B, dB = −G·Y/B.</summary>
    public static Grad?[] Div(GradContext c) => c.Result(
        () => Grad.Unbroadcast(c.Div(c.G, c.I(1))),
        () => Grad.Unbroadcast(c.Neg(c.Div(c.Mul(c.G, c.O(0)), c.I(1)))));

    /// <summary>Y = −X: dX = −G.</summary>
    public static Grad?[] Neg(GradContext c) => c.Result(() => c.Neg(c.G));

    /// <summary>Y = X (Identity, and Dropout in inference): dX = G.</summary>
    public static Grad?[] Identity(GradContext c) => c.Result(() => c.G);

    /// <summary>Y = X₀ + X₁ + … (variadic, broadcasting): dXᵢ = G.</summary>
    public static Grad?[] Sum(GradContext c)
    {
        var r = c.None();
        for (int i = 0; i < r.Length; i++)
            if (c.NeedsGI(i)) r[i] = Grad.Unbroadcast(c.G);
        return r;
    }

    /// <summary>Y = (X₀ + … + Xₙ₋₁)/n: dXᵢ = G/n.</summary>
    public static Grad?[] Mean(GradContext c)
    {
        var r = c.None();
        string? scaled = null;
        for (int i = 0; i < r.Length; i++)
            if (c.NeedsGI(i)) r[i] = Grad.Unbroadcast(scaled ??= c.Mul(c.G, c.ScalarLike(1.0 / c.InputCount, c.O(0))));
        return r;
    }

    /// <summary>Y = max(X₀, …): the gradient goes to the maximal input, the first one on ties.</summary>
    public static Grad?[] Max(GradContext c) => Extremum(c, "Max");

    /// <summary>Y = min(X₀, …): the gradient goes to the minimal input, the first one on ties.</summary>
    public static Grad?[] Min(GradContext c) => Extremum(c, "Min");

    // Xᵢ wins where it beats every earlier input strictly and is not beaten by any later one:
    // mask = [Xᵢ ≻ op(X₀..Xᵢ₋₁)] · (1 − [op(Xᵢ₊₁..) ≻ Xᵢ]), with ≻ = '>' for Max, '<' for Min.
    // Only Greater is used: float Equal needs opset 11, Greater exists from 7.
    static Grad?[] Extremum(GradContext c, string op)
    {
        var t = c.ElemType(c.O(0));
        string Beats(string a, string b) => op == "Max" ? c.GreaterAsFloat(a, b, t) : c.GreaterAsFloat(b, a, t);
        string Reduce(int from, int to) => to - from == 1 ? c.I(from) : c.Op(op, Enumerable.Range(from, to - from).Select(c.I).ToArray());
        int n = c.InputCount;
        var r = c.None();
        for (int i = 0; i < n; i++)
        {
            if (!c.NeedsGI(i)) continue;
            string? mask = null;
            if (i > 0) mask = Beats(c.I(i), Reduce(0, i));
            if (i < n - 1)
            {
                var notBeaten = c.Sub(c.ScalarLike(1, c.O(0)), Beats(Reduce(i + 1, n), c.I(i)));
                mask = mask is null ? notBeaten : c.Mul(mask, notBeaten);
            }
            r[i] = Grad.Unbroadcast(mask is null ? c.G : c.Mul(c.G, mask));
        }
        return r;
    }

    /// <summary>Y = X^E: dX = G·E·X^(E−1); dE = G·Y·ln X (real where X &gt; 0). An integer E gets none.</summary>
    public static Grad?[] Pow(GradContext c) => c.Result(
        () =>
        {
            var e = c.ElemType(c.I(1)) == c.ElemType(c.I(0)) ? c.I(1) : c.Cast(c.I(1), c.ElemType(c.I(0)));
            var xPowEm1 = c.Op("Pow", [c.I(0), c.Sub(e, c.ScalarLike(1, c.I(0)))]);
            return Grad.Unbroadcast(c.Mul(c.G, c.Mul(e, xPowEm1)));
        },
        () => Grad.Unbroadcast(c.Mul(c.G, c.Mul(c.O(0), c.Log(c.I(0))))));

    /// <summary>Y = √X: dX = G·½/Y.</summary>
    public static Grad?[] Sqrt(GradContext c) => c.Result(
        () => c.Div(c.Mul(c.G, c.ScalarLike(0.5, c.O(0))), c.O(0)));

    /// <summary>Y = eˣ: dX = G·Y.</summary>
    public static Grad?[] Exp(GradContext c) => c.Result(() => c.Mul(c.G, c.O(0)));

    /// <summary>Y = ln X: dX = G/X.</summary>
    public static Grad?[] Log(GradContext c) => c.Result(() => c.Div(c.G, c.I(0)));

    /// <summary>Y = 1/X: dX = −G·Y².</summary>
    public static Grad?[] Reciprocal(GradContext c) => c.Result(
        () => c.Neg(c.Mul(c.G, c.Mul(c.O(0), c.O(0)))));

    /// <summary>Y = |X|: dX = G·sign(X) (0 at the kink).</summary>
    public static Grad?[] Abs(GradContext c) => c.Result(
        () => c.Mul(c.G, c.Sign(c.I(0), c.ElemType(c.I(0)))));

    /// <summary>Y = C ? A : B: dA = C ? G : 0, dB = C ? 0 : G; the condition gets none.</summary>
    public static Grad?[] Where(GradContext c) => c.Result(
        null,
        () => Grad.Unbroadcast(c.Where(c.I(0), c.G, c.ScalarLike(0, c.O(0)))),
        () => Grad.Unbroadcast(c.Where(c.I(0), c.ScalarLike(0, c.O(0)), c.G)));

    /// <summary>
    /// Y = Cast(X) (and CastLike): between floating types dX = Cast(G) back to X's type; to or
    /// from an integer or bool type nothing flows (the values are not differentiable there).
    /// The target type is read from the node (Cast's <c>to</c>, CastLike's second input).
    /// </summary>
    public static Grad?[] Cast(GradContext c)
    {
        var to = c.Node.OpType == "Cast" ? (DataType)c.Node.GetInt("to", 0) : c.Type(c.I(1)).ElemType;
        var from = c.Type(c.I(0)).ElemType;
        if (!ElementTypes.IsFloating(from) || !ElementTypes.IsFloating(to)) return c.None();
        return c.Result(() => from == to ? c.G : c.Cast(c.G, from));
    }

    /// <summary>Y = Expand(X, shape): dX = G summed over the broadcast axes; the shape gets none.</summary>
    public static Grad?[] Expand(GradContext c) => c.Result(() => Grad.Unbroadcast(c.G));

    /// <summary>
    /// Y = Tile(X, r), X: [d₀…dₖ₋₁], Y: [r₀d₀…]: G viewed as [r₀, d₀, r₁, d₁, …] summed over the
    /// rᵢ axes. The interleaved shape is a constant when r and X's shape are known, else built
    /// by Concat of [r, shape(X)] as columns.
    /// </summary>
    public static Grad?[] Tile(GradContext c) => c.Result(() =>
    {
        int rank = c.Rank(c.I(0));
        string pairs;
        if (c.ConstInts(c.I(1)) is { } reps && c.TypeOf(c.I(0)) is { IsFullyKnown: true } xt)
        {
            var dims = xt.KnownDims();
            pairs = c.Ints(Enumerable.Range(0, rank).SelectMany(k => new[] { reps[k], dims[k] }).ToArray());
        }
        else
        {
            var columns = c.Concat([c.Unsqueeze(c.I(1), 1), c.Unsqueeze(c.Shape(c.I(0)), 1)], 1);
            pairs = c.Reshape(columns, -1);
        }
        var repeatAxes = Enumerable.Range(0, rank).Select(k => 2L * k).ToArray();
        return c.ReduceSum(c.Reshape(c.G, pairs), repeatAxes, keepDims: false);
    });
}
