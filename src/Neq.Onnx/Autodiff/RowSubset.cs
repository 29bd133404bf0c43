namespace Neq.Onnx.Autodiff;

/// <summary>
/// The indices along one axis of a value at which its gradient is needed: the caller promises to
/// read only those slices (e.g. the trainable output channels of a weight whose other channels a
/// known mask freezes). A rule that can computes just those slices (<see cref="Grad.Rows"/>); the
/// engine places them into zeros of the value's shape. A rule that cannot computes them all, which
/// is equally correct.
/// </summary>
/// <param name="Axis">The axis the indices run along (non-negative).</param>
/// <param name="Indices">Distinct indices in increasing order, fewer than the axis' size.</param>
public sealed record RowSubset(int Axis, IReadOnlyList<long> Indices);
