namespace Neq.Onnx.Neurons;

/// <summary>What <see cref="MaskInjection.Inject"/> did.</summary>
/// <param name="Layers">The gated layers, in graph order.</param>
public sealed record MaskInjectionResult(IReadOnlyList<NeuronLayer> Layers);
