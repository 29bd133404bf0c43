namespace Neq.Onnx.Neurons;

/// <summary>Which neuron layers <see cref="NeuronLayers.Find"/> returns.</summary>
/// <param name="IncludeClassifier">
/// Include the classifier: dense layers whose output reaches a graph output without passing
/// through another neuron layer. NEq never freezes it, so it is left out by default.
/// </param>
/// <param name="Layers">
/// Only these layers, by <see cref="NeuronLayer.Name"/>; a layer named here is returned even when it
/// is the classifier. A name that matches no layer is an error. Null: every layer.
/// </param>
public sealed record NeuronLayerOptions(bool IncludeClassifier = false, IReadOnlyList<string>? Layers = null);
