using Neq.Onnx.Shapes;

namespace Neq.Onnx.Inspection;

/// <summary>
/// One weighted layer (Conv, ConvTranspose, Gemm or MatMul with a constant weight) or normalisation
/// layer (BatchNormalization), as the per-layer table of <see cref="ModelSummary"/> lists it.
/// </summary>
/// <param name="Name">The node's name (its first output's name when the node has none).</param>
/// <param name="OpType">The operator, e.g. "Conv".</param>
/// <param name="OutputShape">The output's shape without its first (batch) dimension; null when shape inference could not tell.</param>
/// <param name="OutputChannels">Output channels (dimension 1 for Conv, ConvTranspose and BatchNormalization; the last dimension for Gemm and MatMul); null when unknown.</param>
/// <param name="Macs">
/// Forward multiply-accumulates for one sample: Conv out_H·out_W·C_out·(C_in/group)·kH·kW (any
/// number of spatial axes); ConvTranspose in_H·in_W·C_in·(C_out/group)·kH·kW; Gemm and MatMul the
/// output elements per sample times the contracted length; BatchNormalization 0. Null when a
/// shape it needs is unknown.
/// </param>
public sealed record LayerSummary(
    string Name,
    string OpType,
    IReadOnlyList<Dim>? OutputShape,
    long? OutputChannels,
    long? Macs);
