namespace Neq.Onnx.Autodiff;

/// <summary>What <c>Backward.Append</c> differentiates.</summary>
/// <param name="Loss">The value to differentiate (usually a scalar); its gradient is seeded with ones.</param>
/// <param name="WithRespectTo">Initializers or graph inputs that get a gradient value named <c>&lt;x&gt;_grad</c>.</param>
/// <param name="OnlyRows">
/// Values (by name) whose gradient is needed only at some indices of one axis; the gradient's other
/// slices come out zero where a rule honours it (<see cref="GradContext.OnlyRows"/>). Null: none.
/// </param>
/// <param name="WeightGradAsConv">
/// Build the weight gradient of every 2-D conv as one Conv with the batch and channel axes swapped
/// (X as [C, N, H, W], G as the kernel) — the form ONNX Runtime's NCHWc kernels run fast once the
/// graph is lowered to them (Lowering/NchwcLowering). False: the forms fastest on ONNX Runtime's
/// standard CPU Conv (split shifts and batched products for stride 1), where the swapped Conv is
/// 5–6× slower (docs/speed.md).
/// </param>
public sealed record GradientOptions(string Loss, IReadOnlyList<string> WithRespectTo, IReadOnlyDictionary<string, RowSubset>? OnlyRows = null,
    bool WeightGradAsConv = false);
