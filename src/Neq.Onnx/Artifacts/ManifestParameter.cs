namespace Neq.Onnx.Artifacts;

/// <summary>A trainable parameter: an input of train/eval/grad/update, an initializer of infer.onnx.</summary>
/// <param name="Name">Input name, equal to the initializer's name in infer.onnx (which holds the initial value).</param>
/// <param name="Shape">Its sizes (float32).</param>
/// <param name="Gradient">Output of grad.onnx and input of update.onnx: <c>&lt;name&gt;_grad</c>.</param>
/// <param name="Output">The updated value, an output of train.onnx and update.onnx: <c>&lt;name&gt;.out</c>.</param>
/// <param name="Mask">The mask input that gates it, or null when nothing does (the classifier).</param>
/// <param name="MaskAxis">The parameter's axis that the mask's channels index, or null.</param>
/// <param name="State">Names of its optimizer state tensors (see <see cref="ArtifactManifest.OptimizerState"/>).</param>
public sealed record ManifestParameter(string Name, IReadOnlyList<long> Shape, string Gradient, string Output, string? Mask, int? MaskAxis, IReadOnlyList<string> State);
