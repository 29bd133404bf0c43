namespace Neq.Onnx.Autodiff;

/// <summary>
/// The derivative of one operator: given the node, its incoming output gradients (GO) and an
/// emitter for new nodes, returns one entry per forward input — the gradient (GI) or null where
/// the input gets none (not differentiable, or <see cref="GradContext.NeedsGI"/> is false).
/// </summary>
public delegate Grad?[] GradientRule(GradContext c);
