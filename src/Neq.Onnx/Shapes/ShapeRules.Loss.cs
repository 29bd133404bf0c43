namespace Neq.Onnx.Shapes;

// Losses. Legend: scores [N, C, D1..Dk], labels [N, D1..Dk].
internal static partial class ShapeRules
{
    /// <summary>
    /// SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss: the loss is a scalar, or per
    /// sample ([N, D1..Dk], the labels' shape) with reduction "none"; SoftmaxCrossEntropyLoss's
    /// optional log_prob output is like the scores.
    /// </summary>
    static void Loss(NodeContext c)
    {
        var perSample = c.Shape(1) ?? (c.Shape(0) is { Count: >= 2 } s ? [s[0], .. s.Skip(2)] : null);
        c.Out(0, c.Elem(0), c.Str("reduction", "mean") == "none" ? perSample : []);
        c.SameAs(1, 0);
    }
}
