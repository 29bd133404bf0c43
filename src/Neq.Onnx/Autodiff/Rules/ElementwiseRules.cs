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
}
