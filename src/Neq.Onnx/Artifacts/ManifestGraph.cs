namespace Neq.Onnx.Artifacts;

/// <summary>One ONNX file of the artifact set and its full signature, in the file's order.</summary>
/// <param name="Role">"train", "eval", "infer", "grad" or "update".</param>
/// <param name="File">File name inside the artifact folder.</param>
/// <param name="Inputs">Every graph input.</param>
/// <param name="Outputs">Every graph output.</param>
public sealed record ManifestGraph(string Role, string File, IReadOnlyList<ManifestTensor> Inputs, IReadOnlyList<ManifestTensor> Outputs);
