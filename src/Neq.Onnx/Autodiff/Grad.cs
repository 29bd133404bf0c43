namespace Neq.Onnx.Autodiff;

/// <summary>
/// A rule's gradient for one forward input. <see cref="Broadcast"/> marks a gradient that has the
/// shape of the node's output and must be summed back to the input's shape (the engine does that,
/// rules never do); otherwise it already has the input's shape.
/// </summary>
public readonly record struct Grad(string Name, bool Broadcast = false)
{
    /// <summary>A gradient with the input's own shape.</summary>
    public static implicit operator Grad(string name) => new(name);

    /// <summary>A gradient with the output's (broadcast) shape, to be reduced to the input's shape.</summary>
    public static Grad Unbroadcast(string name) => new(name, Broadcast: true);
}
