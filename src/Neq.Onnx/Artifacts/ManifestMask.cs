namespace Neq.Onnx.Artifacts;

/// <summary>A neuron layer's mask: float[Channels] of 1 (trainable) or 0 (frozen), an input of train, grad and update.</summary>
/// <param name="Name">Input name: <c>&lt;layer&gt;.mask</c>.</param>
/// <param name="Layer">The layer's name.</param>
/// <param name="Kind">"conv", "batchnorm" or "dense".</param>
/// <param name="Channels">Number of neurons (mask length).</param>
/// <param name="Parameters">The parameters it gates, with the axis its channels index.</param>
/// <param name="Activation">The eval.onnx output holding this layer's activation.</param>
public sealed record ManifestMask(string Name, string Layer, string Kind, int Channels, IReadOnlyList<ManifestGate> Parameters, string Activation);
