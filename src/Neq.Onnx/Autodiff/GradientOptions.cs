namespace Neq.Onnx.Autodiff;

/// <summary>What <c>Backward.Append</c> differentiates.</summary>
/// <param name="Loss">The value to differentiate (usually a scalar); its gradient is seeded with ones.</param>
/// <param name="WithRespectTo">Initializers or graph inputs that get a gradient value named <c>&lt;x&gt;_grad</c>.</param>
public sealed record GradientOptions(string Loss, IReadOnlyList<string> WithRespectTo);
