namespace Neq.Onnx.Autodiff;

/// <summary>
/// A rule's gradient for one forward input. <see cref="Broadcast"/> marks a gradient that has the
/// shape of the node's output and must be summed back to the input's shape (the engine does that,
/// rules never do); otherwise it already has the input's shape. <see cref="OwnTrailingAxes"/>
/// refines a broadcast gradient whose last axes are the input's own rather than the output's (a
/// batched MatMul's dA is [batch of the output…, M, K], not [batch…, M, N]): only the leading
/// axes are compared with the output and reduced. <see cref="RowsOnly"/> marks a gradient that
/// holds only the slices the input's <see cref="RowSubset"/> names (<see cref="GradContext.OnlyRows"/>),
/// in that order along its axis; the engine places them into zeros of the input's shape.
/// </summary>
public readonly record struct Grad(string Name, bool Broadcast = false, int OwnTrailingAxes = 0, bool RowsOnly = false)
{
    /// <summary>A gradient with the input's own shape.</summary>
    public static implicit operator Grad(string name) => new(name);

    /// <summary>A gradient with the output's (broadcast) shape, to be reduced to the input's shape.</summary>
    public static Grad Unbroadcast(string name) => new(name, Broadcast: true);

    /// <summary>
    /// A gradient of the output's rank whose last <paramref name="ownTrailingAxes"/> axes already
    /// have the input's sizes and whose leading axes have the output's (broadcast) sizes; the
    /// engine reduces the leading axes to the input's.
    /// </summary>
    public static Grad Unbroadcast(string name, int ownTrailingAxes) => new(name, Broadcast: true, ownTrailingAxes);

    /// <summary>
    /// A gradient of the slices <see cref="GradContext.OnlyRows"/> names for the input, stacked in
    /// that order along the subset's axis; the engine scatters them into zeros of the input's shape.
    /// </summary>
    public static Grad Rows(string name) => new(name, RowsOnly: true);
}
