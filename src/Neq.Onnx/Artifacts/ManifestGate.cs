namespace Neq.Onnx.Artifacts;

/// <summary>A parameter a mask gates, and the parameter's axis along which the mask's channels lie.</summary>
/// <param name="Parameter">The parameter's name.</param>
/// <param name="Axis">Its channel axis.</param>
public sealed record ManifestGate(string Parameter, int Axis);
