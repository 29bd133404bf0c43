namespace Neq.Onnx.Artifacts;

/// <summary>An activation eval.onnx exports: one NEq neuron per channel.</summary>
/// <param name="Name">Output name of eval.onnx: <c>&lt;layer&gt;.activation</c>.</param>
/// <param name="Layer">The layer's name (and its mask is <c>&lt;layer&gt;.mask</c>).</param>
/// <param name="Kind">"conv" (conv output before BatchNormalization), "batchnorm" (BN output) or "dense".</param>
/// <param name="Channels">Number of neurons.</param>
/// <param name="ChannelAxis">Axis of the activation that indexes channels: 1 for conv and batchnorm, the last for dense.</param>
/// <param name="Shape">Sizes; −1 where known only at run time.</param>
public sealed record ManifestActivation(string Name, string Layer, string Kind, int Channels, int ChannelAxis, IReadOnlyList<long> Shape);
