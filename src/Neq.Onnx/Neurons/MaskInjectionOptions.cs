namespace Neq.Onnx.Neurons;

/// <summary>What <see cref="MaskInjection.Inject"/> adds.</summary>
/// <param name="Layers">Only these layers, by name (see <see cref="NeuronLayerOptions.Layers"/>); null: all.</param>
/// <param name="IncludeClassifier">Gate the classifier too (NEq leaves it out).</param>
/// <param name="ExportActivations">Add a graph output <c>&lt;layer&gt;.activation</c> per layer.</param>
public sealed record MaskInjectionOptions(
    IReadOnlyList<string>? Layers = null,
    bool IncludeClassifier = false,
    bool ExportActivations = true);
