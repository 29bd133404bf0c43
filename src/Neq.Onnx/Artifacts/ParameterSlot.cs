using Neq.Onnx.Shapes;

namespace Neq.Onnx.Artifacts;

/// <summary>One parameter as an optimizer sees it.</summary>
/// <param name="Name">The parameter's value (a graph input).</param>
/// <param name="Type">Its type (float32, fully known shape).</param>
/// <param name="Gradient">The value holding d loss / d parameter.</param>
/// <param name="Mask">
/// A float value of 0s and 1s that broadcasts to the parameter (e.g. a [C] mask reshaped to
/// [C,1,1,1]), or null when no mask gates it. 0 freezes the rows it covers: no gradient, no weight
/// decay, no momentum or first-moment drift, no update (docs/neq-reference.md, "What freezing does").
/// </param>
public sealed record ParameterSlot(string Name, TensorType Type, string Gradient, string? Mask);
