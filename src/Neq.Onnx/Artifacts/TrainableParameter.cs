using Neq.Onnx.Shapes;

namespace Neq.Onnx.Artifacts;

/// <summary>A parameter the training graphs update, and the mask (if any) that gates it.</summary>
/// <param name="Name">Its name (a graph input of the training graphs).</param>
/// <param name="Type">Its type: float32 with a fully known shape.</param>
/// <param name="Mask">The mask input gating it (float[C]), or null.</param>
/// <param name="MaskAxis">The parameter's axis of length C that the mask indexes (ignored without a mask).</param>
public sealed record TrainableParameter(string Name, TensorType Type, string? Mask = null, int MaskAxis = 0);
