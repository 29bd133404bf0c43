using Neq.Onnx.Autodiff;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Neurons;
using Neq.Onnx.Operators;
using Neq.Onnx.Shapes;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// The mask values a specialised train.onnx is built for (<see cref="ArtifactCompilation.SpecializedTrain"/>),
/// and what they imply for the backward pass: a parameter every channel of which is frozen gets no
/// gradient nodes (a zero gradient feeds its update), and the gated value of a partly frozen one
/// needs its gradient only at the trainable channels (<see cref="RowSubset"/>).
/// </summary>
sealed class KnownMasks
{
    readonly IReadOnlyDictionary<string, float[]> _masks;

    KnownMasks(IReadOnlyDictionary<string, float[]> masks) => _masks = masks;

    /// <summary>Checks <paramref name="masks"/> against the plan's layers: known names, right lengths. A mask left out trains every channel.</summary>
    public static KnownMasks Of(ArtifactPlan plan, IReadOnlyDictionary<string, float[]> masks)
    {
        var channels = plan.Layers.ToDictionary(l => l.Mask, l => l.Channels, StringComparer.Ordinal);
        foreach (var (name, values) in masks)
        {
            if (!channels.TryGetValue(name, out var c))
                throw new ArgumentException($"'{name}' is not a mask of the model (masks: {string.Join(", ", channels.Keys)}).", nameof(masks));
            if (values.Length != c)
                throw new ArgumentException($"Mask '{name}' has {c} channels, but {values.Length} values were given.", nameof(masks));
        }
        return new KnownMasks(masks);
    }

    /// <summary>True when some given mask freezes a channel (else the specialised graph is the general one).</summary>
    public bool AnyFrozen => _masks.Values.Any(m => m.Any(v => v == 0));

    /// <summary>True when a mask gates <paramref name="p"/> and freezes every channel of it.</summary>
    public bool IsFrozen(TrainableParameter p) =>
        p.Mask is { } m && _masks.TryGetValue(m, out var v) && v.All(x => x == 0);

    /// <summary>
    /// Row subsets pay for themselves only when few rows remain: gathering G's trainable channels
    /// and scattering dW's rows back cost about what computing half the rows saves (ResNet-32,
    /// batch 128, random masks in every layer, bench/results/2026-11-26-0214.json: 50 % frozen
    /// 1014 ms vs 1012 ms masked, 25 % frozen 1147 vs 1106, 75 % frozen 950 vs 1105). A layer with
    /// more trainable channels than this share keeps the full weight gradient, masked.
    /// </summary>
    public const double MaxActiveShare = 0.5;

    /// <summary>
    /// For every MaskGate of <paramref name="graph"/> whose known mask freezes some channels and
    /// trains at most <see cref="MaxActiveShare"/> of them: its output (the gated parameter the
    /// layer reads) needs a gradient only at the trainable channels.
    /// </summary>
    public IReadOnlyDictionary<string, RowSubset> OnlyRows(GraphProto graph)
    {
        var rows = new Dictionary<string, RowSubset>(StringComparer.Ordinal);
        foreach (var n in graph.Node.Where(GraphIndex.IsMaskGate))
        {
            if (!_masks.TryGetValue(n.Input[1], out var mask)) continue;
            var active = Enumerable.Range(0, mask.Length).Where(c => mask[c] != 0).Select(c => (long)c).ToArray();
            if (active.Length == 0 || active.Length > MaxActiveShare * mask.Length) continue;
            rows[n.Output[0]] = new RowSubset((int)n.GetInt(MaskGate.AxisAttribute, 0), active);
        }
        return rows;
    }

    /// <summary>
    /// The gradient of a fully frozen parameter: zeros of its shape, so its update runs as in the
    /// general graph (SGD momentum zeroed, Adam's second moment decaying, the step counted).
    /// </summary>
    public static string ZeroGradient(GraphBuilder b, long opset, TrainableParameter p)
    {
        var e = new Emitter(b, opset, TrainingNames.Gradient(p.Name));
        return e.OpTo(b.UniqueName(TrainingNames.Gradient(p.Name)), "ConstantOfShape", [e.Ints(p.Type.KnownDims())], [Emitter.FillValue(0, p.Type.ElemType)]);
    }
}
