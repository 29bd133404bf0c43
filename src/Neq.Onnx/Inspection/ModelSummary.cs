namespace Neq.Onnx.Inspection;

/// <summary>What <see cref="ModelSummaryBuilder"/> reports about a model: what the project's tools see in it.</summary>
/// <param name="IrVersion">The model's IR version.</param>
/// <param name="Producer">Producer name and version, as recorded ("" when absent).</param>
/// <param name="Opsets">Imported operator sets: domain ("" is the default ONNX domain) → version, ordered by domain.</param>
/// <param name="Inputs">Graph inputs that are not initializers, in graph order.</param>
/// <param name="Outputs">Graph outputs, in graph order.</param>
/// <param name="OperatorCounts">
/// Number of nodes of each operator in the main graph (subgraphs are not entered), ordered by name;
/// operators outside the default domain are written "domain:OpType".
/// </param>
/// <param name="ParameterCount">
/// Number of trainable values: the elements of every floating-point initializer of rank ≥ 1 that
/// some node reads, except those read as a BatchNormalization running mean or variance (inputs 3
/// and 4, which are statistics, not parameters). Integer tensors (shapes, axes, pads) and rank-0
/// constants (epsilons, pad values) are not parameters.
/// </param>
/// <param name="ParameterTensorCount">Number of initializers counted in <paramref name="ParameterCount"/>.</param>
/// <param name="Layers">The weighted and normalisation layers, in graph order.</param>
public sealed record ModelSummary(
    long IrVersion,
    string Producer,
    IReadOnlyDictionary<string, long> Opsets,
    IReadOnlyList<ValueSummary> Inputs,
    IReadOnlyList<ValueSummary> Outputs,
    IReadOnlyDictionary<string, int> OperatorCounts,
    long ParameterCount,
    int ParameterTensorCount,
    IReadOnlyList<LayerSummary> Layers)
{
    /// <summary>Forward MACs per sample summed over the layers whose MACs are known.</summary>
    public long TotalMacs => Layers.Sum(l => l.Macs ?? 0);

    /// <summary>Forward MACs per sample summed over the layers of one operator, e.g. "Conv".</summary>
    public long MacsOf(string opType) => Layers.Where(l => l.OpType == opType).Sum(l => l.Macs ?? 0);

    /// <summary>True when every layer's MACs are known, so <see cref="TotalMacs"/> is complete.</summary>
    public bool AllMacsKnown => Layers.All(l => l.Macs.HasValue);
}
