namespace Neq.Onnx.Neurons;

/// <summary>
/// One layer whose output channels are NEq neurons.
/// </summary>
/// <param name="Name">
/// The layer's name: its weight's name without a trailing ".weight" when the weight is named that
/// way (PyTorch's "layer1.0.conv1"), else the node's name, else the node's first output; made
/// unique among the layers of a model by <c>__2</c>, <c>__3</c>… suffixes.
/// </param>
/// <param name="Kind">Conv, BatchNorm or Dense.</param>
/// <param name="NodeName">Name of the Conv/BatchNormalization/Gemm/MatMul node ("" when unnamed).</param>
/// <param name="Channels">Number of neurons (output channels or units).</param>
/// <param name="Activation">
/// The value NEq hooks: for Conv the conv output before any BatchNormalization (after a separate
/// bias Add when the bias is applied that way); for BatchNorm its output Y; for Dense the
/// Gemm/MatMul output (after a separate bias Add when there is one). Channels lie on axis 1 for
/// Conv and BatchNorm, on the last axis for Dense.
/// </param>
/// <param name="Mask">Name of the layer's mask graph input: <see cref="NeuronNames.Mask"/>(<paramref name="Name"/>).</param>
/// <param name="Parameters">The parameters the mask gates, weight first.</param>
public sealed record NeuronLayer(
    string Name,
    NeuronLayerKind Kind,
    string NodeName,
    int Channels,
    string Activation,
    string Mask,
    IReadOnlyList<GatedParameter> Parameters)
{
    /// <summary>Name of the graph output that <see cref="MaskInjection"/> exports the activation as.</summary>
    public string ActivationOutput => NeuronNames.ActivationOutput(Name);
}
