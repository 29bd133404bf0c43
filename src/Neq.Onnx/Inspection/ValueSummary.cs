using Neq.Onnx.Shapes;

namespace Neq.Onnx.Inspection;

/// <summary>A graph input or output as declared in the model.</summary>
/// <param name="Name">The value's name.</param>
/// <param name="Type">Its declared element type and shape; null when the model declares no tensor type.</param>
public sealed record ValueSummary(string Name, TensorType? Type);
