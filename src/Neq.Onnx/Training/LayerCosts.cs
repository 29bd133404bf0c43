using Neq.Onnx.Inspection;
using Neq.Onnx.Ir;
using Neq.Onnx.Neurons;

namespace Neq.Onnx.Training;

/// <summary>
/// Forward cost per sample of each neuron layer and of the never-frozen rest (the classifier), by
/// the NEq reference's accounting: ops = MACs × 2 for a 1-sample input, BatchNormalization 0.
/// The reference counts "bprop FLOPs per iteration" as Σ layers ops · (1 − frozen fraction).
/// </summary>
/// <param name="PerLayer">Layer name (as the manifest's masks name it) → forward ops per sample.</param>
/// <param name="Unfrozen">Ops of weighted layers that have no mask (the classifier).</param>
public sealed record LayerCosts(IReadOnlyDictionary<string, double> PerLayer, double Unfrozen)
{
    /// <summary>All ops per sample: what full training's backward is counted as.</summary>
    public double Total => PerLayer.Values.Sum() + Unfrozen;

    /// <summary>Measures the costs of a forward model (the artifacts' infer.onnx).</summary>
    public static LayerCosts Of(ModelProto forward)
    {
        var summary = ModelSummaryBuilder.Build(forward);
        var macs = summary.Layers.ToDictionary(l => l.Name, l => l.Macs ?? 0, StringComparer.Ordinal);
        var layers = NeuronLayers.Find(forward.Clone(), new NeuronLayerOptions());
        var perLayer = new Dictionary<string, double>(StringComparer.Ordinal);
        var masked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in layers)
        {
            perLayer[l.Name] = l.Kind == NeuronLayerKind.BatchNorm ? 0 : 2.0 * macs.GetValueOrDefault(l.NodeName);
            masked.Add(l.NodeName);
        }
        double unfrozen = summary.Layers.Where(l => !masked.Contains(l.Name)).Sum(l => 2.0 * (l.Macs ?? 0));
        return new LayerCosts(perLayer, unfrozen);
    }
}
