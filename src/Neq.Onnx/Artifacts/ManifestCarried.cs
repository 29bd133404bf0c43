namespace Neq.Onnx.Artifacts;

/// <summary>
/// A buffer carried from one step to the next besides the parameters: optimizer state or
/// BatchNormalization running statistics. Feed <see cref="Name"/>, read <see cref="Output"/>, and feed
/// that as <see cref="Name"/> next step.
/// </summary>
/// <param name="Name">Input name.</param>
/// <param name="Output">Output name holding the updated value: <c>&lt;name&gt;.out</c>.</param>
/// <param name="Shape">Its sizes (float32).</param>
/// <param name="Owner">The parameter (optimizer state) or BatchNormalization layer (running statistics) it belongs to; null for the shared Adam step.</param>
/// <param name="Initial">
/// Where its first value comes from: "zeros" (optimizer state) or "infer.onnx" (running statistics,
/// read from the initializer of the same name).
/// </param>
public sealed record ManifestCarried(string Name, string Output, IReadOnlyList<long> Shape, string? Owner, string Initial);
