using Neq.Onnx.Graphs;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Autodiff.Rules;

// Classification losses over integer labels. Shape legend: scores/input [N, C, D…], labels
// [N, D…] (int32/int64), weights [C]; per element i = (n, d…): w_i = weights[y_i] (1 without
// weights), 0 where y_i = ignore_index; ℓ_i = −w_i·log p[y_i] (SoftmaxCrossEntropyLoss, p the
// softmax over axis 1) or −w_i·input[y_i] (NegativeLogLikelihoodLoss). The loss is ℓ itself
// (none), Σℓ (sum) or Σℓ / Σw (mean). With g_i = ∂loss/∂ℓ_i · w_i:
//   dscores = (p − onehot(y)) · g,   dinput = −onehot(y) · g   (g broadcast along axis 1).

/// <summary>Gradient rules of SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss.</summary>
static class LossRules
{
    /// <summary>
    /// SoftmaxCrossEntropyLoss(scores, labels, weights?) → (loss, log_prob?): dscores from the
    /// loss is (p − onehot)·g; from the optional log_prob output L it is GL − p·Σ_c GL.
    /// </summary>
    public static Grad?[] SoftmaxCrossEntropyLoss(GradContext c) => c.Result(() =>
    {
        var scores = c.I(0);
        var p = c.Node.Output.Count > 1 && c.O(1).Length > 0 ? c.Exp(c.O(1)) : Softmax(c, scores);
        var terms = new List<string>();
        if (c.GO(0) is not null)
            terms.Add(PerElement(c, c.Sub(p, OneHot(c, scores)), negate: false));
        if (c.GO(1) is { } gl)
            terms.Add(c.Sub(gl, c.Mul(p, c.ReduceSum(gl, [1], keepDims: true))));
        return c.Sum(terms);
    });

    /// <summary>NegativeLogLikelihoodLoss(input, target, weights?): dinput = −onehot·g.</summary>
    public static Grad?[] NegativeLogLikelihoodLoss(GradContext c) => c.Result(() =>
        PerElement(c, OneHot(c, c.I(0)), negate: true));

    /// <summary>
    /// <paramref name="perClass"/> [N, C, D…] times g (see the legend), negated when asked:
    /// g = G·w for reduction none and sum, G·w/Σw for mean (Σw counts the kept elements
    /// without weights). No weights and no ignore_index make w = 1 and g a scalar for sum/mean.
    /// </summary>
    static string PerElement(GradContext c, string perClass, bool negate)
    {
        var type = c.ElemType(c.I(0));
        var labels = Labels(c);
        var reduction = c.Node.GetString("reduction", "mean");
        string? w = null;
        if (c.Node.Find("ignore_index") is { } ignore)
        {
            var ignored = c.Op("Equal", [labels, c.Ints(ignore.I)]);
            labels = c.Where(ignored, c.Ints(0), labels); // a valid index for Gather
            w = c.Cast(c.Op("Not", [ignored]), type);
        }
        if (c.HasI(2))
        {
            var wy = c.Op("Gather", [c.I(2), labels], [Attr.Int("axis", 0)]);
            w = w is null ? wy : c.Mul(w, wy);
        }

        string g = c.GO(0)!;
        if (reduction == "mean")
        {
            var total = w is null ? c.Cast(c.Op("Size", [labels]), type) : c.ReduceSum(w, AllAxes(c.Rank(c.I(1))), keepDims: false);
            g = c.Div(g, total);
        }
        else if (reduction is not ("sum" or "none"))
            throw c.Error($"unknown reduction '{reduction}'");
        if (negate) g = c.Neg(g);
        bool elementwise = w is not null || reduction == "none";
        if (w is not null) g = c.Mul(g, w);
        return c.Mul(perClass, elementwise ? c.Unsqueeze(g, 1) : g);
    }

    /// <summary>
    /// onehot(labels) [N, C, D…] in the scores' type: labels compared with 0…C−1 laid along axis
    /// 1 (C a constant when known, else read from the scores' shape).
    /// </summary>
    static string OneHot(GradContext c, string scores)
    {
        int rank = c.Rank(scores);
        var depth = c.Type(scores).Shape![1].Value is { } classes
            ? c.IntScalar(classes)
            : c.Op("Gather", [c.Shape(scores), c.IntScalar(1)], [Attr.Int("axis", 0)]);
        var range = c.Op("Range", [c.IntScalar(0), depth, c.IntScalar(1)]);
        var laid = c.Reshape(range, [1, -1, .. Enumerable.Repeat(1L, rank - 2)]);
        return c.Cast(c.Op("Equal", [c.Unsqueeze(Labels(c), 1), laid]), c.ElemType(scores));
    }

    /// <summary>The labels as int64.</summary>
    static string Labels(GradContext c) =>
        c.ElemType(c.I(1)) == DataType.Int64 ? c.I(1) : c.Cast(c.I(1), DataType.Int64);

    /// <summary>
    /// Softmax over axis 1. Opset 13 Softmax takes an axis; before it Softmax flattens from the
    /// axis on, which is wrong for [N, C, D…], so it is written out (max-shifted for stability).
    /// </summary>
    static string Softmax(GradContext c, string x)
    {
        if (c.Opset >= 13) return c.Op("Softmax", [x], [Attr.Int("axis", 1)]);
        var shifted = c.Exp(c.Sub(x, c.Op("ReduceMax", [x], [Attr.Ints("axes", 1), Attr.Int("keepdims", 1)])));
        return c.Div(shifted, c.ReduceSum(shifted, [1], keepDims: true));
    }

    static long[] AllAxes(int rank) => Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
}
