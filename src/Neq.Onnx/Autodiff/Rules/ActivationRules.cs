namespace Neq.Onnx.Autodiff.Rules;

// Pointwise activations: dX = G · f'(X), with f' written from X or, where cheaper, from Y.

/// <summary>Gradient rules of activation functions.</summary>
static class ActivationRules
{
    /// <summary>Y = max(X, 0): dX = G · [Y &gt; 0] (Greater→Cast→Mul: ~2× faster than Where on CPU).</summary>
    public static Grad?[] Relu(GradContext c) => c.Result(
        () => c.Mul(c.G, c.GreaterAsFloat(c.O(0), c.ScalarLike(0, c.O(0)), c.ElemType(c.O(0)))));
}
