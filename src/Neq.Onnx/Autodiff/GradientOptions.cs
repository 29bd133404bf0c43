namespace Neq.Onnx.Autodiff;

/// <summary>What <c>Backward.Append</c> differentiates.</summary>
/// <param name="Loss">The value to differentiate (usually a scalar); its gradient is seeded with ones.</param>
/// <param name="WithRespectTo">Initializers or graph inputs that get a gradient value named <c>&lt;x&gt;_grad</c>.</param>
/// <param name="OnlyRows">
/// Values (by name) whose gradient is needed only at some indices of one axis; the gradient's other
/// slices come out zero where a rule honours it (<see cref="GradContext.OnlyRows"/>). Null: none.
/// </param>
public sealed record GradientOptions(string Loss, IReadOnlyList<string> WithRespectTo, IReadOnlyDictionary<string, RowSubset>? OnlyRows = null);
