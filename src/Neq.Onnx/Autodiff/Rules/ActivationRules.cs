using Neq.Onnx.Graphs;

namespace Neq.Onnx.Autodiff.Rules;

// Pointwise activations: dX = G · f'(X), with f' written from X or, where cheaper, from Y.
// Masks are Greater→Cast (1 inside, 0 outside); at a kink the derivative taken is the one of the
// side that excludes the kink point (e.g. Relu'(0) = 0), as PyTorch does.

/// <summary>Gradient rules of activation functions, Softmax/LogSoftmax and Dropout.</summary>
static class ActivationRules
{
    /// <summary>Y = max(X, 0): dX = G · [Y &gt; 0] (Greater→Cast→Mul: ~2× faster than Where on CPU).</summary>
    public static Grad?[] Relu(GradContext c) => c.Result(
        () => c.Mul(c.G, c.GreaterAsFloat(c.O(0), c.ScalarLike(0, c.O(0)), c.ElemType(c.O(0)))));

    /// <summary>[X &gt; 0] in X's type.</summary>
    static string Positive(GradContext c, string x) => c.GreaterAsFloat(x, c.ScalarLike(0, x), c.ElemType(x));

    /// <summary>1 − m, in the type of the node's input (a value emitted here has no inferred type).</summary>
    static string OneMinus(GradContext c, string m) => c.Sub(c.ScalarLike(1, c.I(0)), m);

    /// <summary>Y = X if X &gt; 0 else α·X: dX = G·(α + (1−α)·[X &gt; 0]).</summary>
    public static Grad?[] LeakyRelu(GradContext c)
    {
        var alpha = c.Node.GetFloat("alpha", 0.01f);
        return c.Result(() => c.Mul(c.G, c.Add(c.ScalarLike(alpha, c.I(0)), c.Mul(c.ScalarLike(1 - alpha, c.I(0)), Positive(c, c.I(0))))));
    }

    /// <summary>
    /// Y = X if X &gt; 0 else s·X, slope s broadcast to X: dX = G·(p + s·(1−p)) with p = [X &gt; 0];
    /// ds = G·X·(1−p) summed to s's shape.
    /// </summary>
    public static Grad?[] PRelu(GradContext c)
    {
        var x = c.I(0);
        string? p = null, notP = null;
        string P() => p ??= Positive(c, x);
        string NotP() => notP ??= OneMinus(c, P());
        return c.Result(
            () => Grad.Unbroadcast(c.Mul(c.G, c.Add(P(), c.Mul(c.I(1), NotP())))),
            () => Grad.Unbroadcast(c.Mul(c.Mul(c.G, x), NotP())));
    }

    /// <summary>Y = σ(X): dX = G·Y·(1 − Y).</summary>
    public static Grad?[] Sigmoid(GradContext c) => c.Result(
        () => c.Mul(c.G, c.Mul(c.O(0), OneMinus(c, c.O(0)))));

    /// <summary>Y = tanh X: dX = G·(1 − Y²).</summary>
    public static Grad?[] Tanh(GradContext c) => c.Result(
        () => c.Mul(c.G, OneMinus(c, c.Mul(c.O(0), c.O(0)))));

    /// <summary>Y = max(0, min(1, α·X + β)): dX = G·α inside the linear band 0 &lt; Y &lt; 1, else 0.</summary>
    public static Grad?[] HardSigmoid(GradContext c)
    {
        var alpha = c.Node.GetFloat("alpha", 0.2f);
        var y = c.O(0);
        var t = c.ElemType(y);
        return c.Result(() => c.Mul(c.Mul(c.G, c.ScalarLike(alpha, y)),
            c.Mul(c.GreaterAsFloat(y, c.ScalarLike(0, y), t), c.GreaterAsFloat(c.ScalarLike(1, y), y, t))));
    }

    /// <summary>
    /// Y = X·h(X), h = HardSigmoid(α = 1/6, β = ½) (opset 14): dX = G·(h + X/6·[−3 &lt; X &lt; 3]),
    /// i.e. 0 below −3, X/3 + ½ in between, 1 above 3.
    /// </summary>
    public static Grad?[] HardSwish(GradContext c)
    {
        var x = c.I(0);
        var t = c.ElemType(x);
        return c.Result(() =>
        {
            var h = c.Op("HardSigmoid", [x], [Attr.Float("alpha", 1f / 6), Attr.Float("beta", 0.5f)]);
            var band = c.Mul(c.GreaterAsFloat(x, c.ScalarLike(-3, x), t), c.GreaterAsFloat(c.ScalarLike(3, x), x, t));
            return c.Mul(c.G, c.Add(h, c.Mul(c.Mul(x, c.ScalarLike(1.0 / 6, x)), band)));
        });
    }

    /// <summary>
    /// Y = min(max(X, lo), hi): dX = G·[X &gt; lo]·[hi &gt; X] (1 strictly inside); dlo = G·[lo &gt; X],
    /// dhi = G·[X &gt; hi], summed to the bound's shape (bounds with lo &lt; hi). Opset &lt; 11 reads
    /// the bounds from the min/max attributes, later opsets from optional inputs ("" = none).
    /// </summary>
    public static Grad?[] Clip(GradContext c)
    {
        var x = c.I(0);
        var t = c.ElemType(x);
        string? lo, hi;
        if (c.Opset < 11)
        {
            lo = c.Node.Find("min") is { } mn ? c.ScalarLike(mn.F, x) : null;
            hi = c.Node.Find("max") is { } mx ? c.ScalarLike(mx.F, x) : null;
        }
        else
        {
            lo = c.HasI(1) ? c.I(1) : null;
            hi = c.HasI(2) ? c.I(2) : null;
        }
        return c.Result(
            () =>
            {
                string? inside = null;
                if (lo is not null) inside = c.GreaterAsFloat(x, lo, t);
                if (hi is not null) { var below = c.GreaterAsFloat(hi, x, t); inside = inside is null ? below : c.Mul(inside, below); }
                return inside is null ? c.G : c.Mul(c.G, inside);
            },
            () => Grad.Unbroadcast(c.Mul(c.G, c.GreaterAsFloat(lo!, x, t))),
            () => Grad.Unbroadcast(c.Mul(c.G, c.GreaterAsFloat(x, hi!, t))));
    }

    /// <summary>Y = X if X &gt; 0 else α(eˣ − 1): dX = G·(p + (1−p)·(Y + α)), p = [X &gt; 0].</summary>
    public static Grad?[] Elu(GradContext c)
    {
        var alpha = c.Node.GetFloat("alpha", 1f);
        return c.Result(() =>
        {
            var p = Positive(c, c.I(0));
            return c.Mul(c.G, c.Add(p, c.Mul(OneMinus(c, p), c.Add(c.O(0), c.ScalarLike(alpha, c.O(0))))));
        });
    }

    /// <summary>Y = γ·X if X &gt; 0 else γα(eˣ − 1): dX = G·(γ·p + (1−p)·(Y + γα)), p = [X &gt; 0].</summary>
    public static Grad?[] Selu(GradContext c)
    {
        // Defaults from the ONNX spec (float32 values of the SELU paper's constants).
        var alpha = c.Node.GetFloat("alpha", 1.67326319217681884765625f);
        var gamma = c.Node.GetFloat("gamma", 1.05070102214813232421875f);
        return c.Result(() =>
        {
            var p = Positive(c, c.I(0));
            var neg = c.Add(c.O(0), c.ScalarLike((double)gamma * alpha, c.O(0)));
            return c.Mul(c.G, c.Add(c.Mul(p, c.ScalarLike(gamma, c.O(0))), c.Mul(OneMinus(c, p), neg)));
        });
    }

    /// <summary>Y = ln(1 + eˣ): dX = G·σ(X).</summary>
    public static Grad?[] Softplus(GradContext c) => c.Result(() => c.Mul(c.G, c.Sigmoid(c.I(0))));

    /// <summary>Y = X/(1 + |X|): dX = G/(1 + |X|)².</summary>
    public static Grad?[] Softsign(GradContext c) => c.Result(() =>
    {
        var d = c.Add(c.ScalarLike(1, c.I(0)), c.Abs(c.I(0)));
        return c.Div(c.G, c.Mul(d, d));
    });

    /// <summary>Y = X if X &gt; α else 0: dX = G·[X &gt; α].</summary>
    public static Grad?[] ThresholdedRelu(GradContext c)
    {
        var alpha = c.Node.GetFloat("alpha", 1f);
        return c.Result(() => c.Mul(c.G, c.GreaterAsFloat(c.I(0), c.ScalarLike(alpha, c.I(0)), c.ElemType(c.I(0)))));
    }

    /// <summary>Y = erf X: dX = G·(2/√π)·e^(−X²).</summary>
    public static Grad?[] Erf(GradContext c) => c.Result(() =>
    {
        var x = c.I(0);
        return c.Mul(c.G, c.Mul(c.ScalarLike(2 / Math.Sqrt(Math.PI), x), c.Exp(c.Neg(c.Mul(x, x)))));
    });

    /// <summary>
    /// Gelu (opset 20). approximate="none": Y = X·Φ(X), dX = G·(Φ(X) + X·φ(X)) with
    /// Φ(X) = ½(1 + erf(X/√2)), φ(X) = e^(−X²/2)/√(2π). approximate="tanh": Y = ½X(1 + T),
    /// T = tanh(u), u = √(2/π)(X + 0.044715X³): dX = G·(½(1 + T) + ½X(1 − T²)·√(2/π)(1 + 3·0.044715X²)).
    /// </summary>
    public static Grad?[] Gelu(GradContext c)
    {
        var x = c.I(0);
        string S(double v) => c.ScalarLike(v, x);
        var approximate = c.Node.GetString("approximate", "none");
        return c.Result(() =>
        {
            string d;
            if (approximate == "tanh")
            {
                const double k = 0.044715;
                var x2 = c.Mul(x, x);
                var u = c.Mul(S(Math.Sqrt(2 / Math.PI)), c.Add(x, c.Mul(S(k), c.Mul(x2, x))));
                var th = c.Op("Tanh", [u]);
                var du = c.Mul(S(Math.Sqrt(2 / Math.PI)), c.Add(S(1), c.Mul(S(3 * k), x2)));
                var left = c.Mul(S(0.5), c.Add(S(1), th));
                var right = c.Mul(c.Mul(S(0.5), x), c.Mul(OneMinus(c, c.Mul(th, th)), du));
                d = c.Add(left, right);
            }
            else if (approximate == "none")
            {
                var cdf = c.Mul(S(0.5), c.Add(S(1), c.Op("Erf", [c.Mul(x, S(1 / Math.Sqrt(2)))])));
                var pdf = c.Mul(S(1 / Math.Sqrt(2 * Math.PI)), c.Exp(c.Mul(S(-0.5), c.Mul(x, x))));
                d = c.Add(cdf, c.Mul(x, pdf));
            }
            else throw c.Error($"approximate='{approximate}' is not one of 'none', 'tanh'");
            return c.Mul(c.G, d);
        });
    }

    /// <summary>
    /// The axes Softmax/LogSoftmax normalize over: opset ≥ 13 one axis (default −1); before
    /// that the input is coerced to 2-D at <c>axis</c> (default 1), i.e. all trailing axes.
    /// </summary>
    static long[] SoftmaxAxes(GradContext c)
    {
        int rank = c.Rank(c.I(0));
        var axis = RuleShapes.NormalizeAxis(c.Node.GetInt("axis", c.Opset >= 13 ? -1 : 1), rank);
        return c.Opset >= 13 ? [axis] : Enumerable.Range((int)axis, rank - (int)axis).Select(a => (long)a).ToArray();
    }

    /// <summary>Y = softmax(X): dX = Y·(G − Σ(G·Y)) with the sum over the softmax axes, kept.</summary>
    public static Grad?[] Softmax(GradContext c) => c.Result(() =>
    {
        var y = c.O(0);
        return c.Mul(y, c.Sub(c.G, c.ReduceSum(c.Mul(c.G, y), SoftmaxAxes(c), keepDims: true)));
    });

    /// <summary>Y = log softmax(X): dX = G − e^Y·ΣG with the sum over the softmax axes, kept.</summary>
    public static Grad?[] LogSoftmax(GradContext c) => c.Result(() =>
        c.Sub(c.G, c.Mul(c.Exp(c.O(0)), c.ReduceSum(c.G, SoftmaxAxes(c), keepDims: true))));

    /// <summary>
    /// Dropout. In inference (opset &lt; 12, or training_mode absent or a constant false) it is
    /// the identity: dX = G — the project trains with Dropout in these semantics. With
    /// training_mode a constant true, Y = X·mask/(1 − ratio), so dX = G·mask/(1 − ratio) using
    /// the node's mask output (required then). The mask output and ratio get no gradient.
    /// </summary>
    public static Grad?[] Dropout(GradContext c)
    {
        bool training = false;
        if (c.Opset >= 12 && c.HasI(2))
        {
            var mode = c.ConstantOf(c.I(2)) ?? throw c.Error($"training_mode ('{c.I(2)}') must be a constant to derive the gradient");
            training = mode.ToInt64Array() is [not 0, ..];
        }
        if (!training) return c.Result(() => c.G);
        if (c.Node.Output.Count < 2 || c.O(1).Length == 0)
            throw c.Error("in training mode its gradient needs the mask output; export the model with the mask output, or with training_mode false");
        var x = c.I(0);
        return c.Result(() =>
        {
            // ratio: optional input, default 0.5; a constant folds to one scalar, else computed.
            var scale = c.ConstantOf(c.I(1)) is { } r ? c.ScalarLike(1 / (1 - r.ToDoubleArray()[0]), x)
                : c.HasI(1) ? c.Reciprocal(c.Sub(c.ScalarLike(1, x), c.ElemType(c.I(1)) == c.ElemType(x) ? c.I(1) : c.Cast(c.I(1), c.ElemType(x))))
                : c.ScalarLike(2, x);
            return c.Mul(c.Mul(c.G, c.Cast(c.O(1), c.ElemType(x))), scale);
        });
    }
}
