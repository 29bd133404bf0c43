using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Neurons;

/// <summary>
/// Finds the layers whose output channels are NEq neurons: every Conv whose weight is an
/// initializer (depthwise and grouped too), every BatchNormalization whose scale is one, and every
/// Gemm or MatMul whose weight is a rank-2 initializer — except, by default, the classifier.
/// </summary>
public static class NeuronLayers
{
    /// <summary>
    /// The neuron layers of <paramref name="model"/>'s main graph, in graph order. Works on any
    /// model: it normalizes a clone first (<see cref="ModelNormalizer"/>), and the parameter names it
    /// returns are initializers of the normalized model — normalize the model you go on to use.
    /// An already gated model (MaskGate nodes) gives the same layers as before gating. A weight
    /// shared by several nodes belongs to the first of them only; the later ones are not layers.
    /// </summary>
    /// <exception cref="ArgumentException">A name in <see cref="NeuronLayerOptions.Layers"/> matches no layer.</exception>
    public static IReadOnlyList<NeuronLayer> Find(ModelProto model, NeuronLayerOptions? options = null)
    {
        var clone = model.Clone();
        ModelNormalizer.Normalize(clone);
        return Match(clone, options ?? new NeuronLayerOptions()).Select(m => m.Layer).ToList();
    }

    /// <summary>A layer and where its parameters are read (the readers a mask gate goes in front of).</summary>
    internal sealed record LayerMatch(NeuronLayer Layer, NodeProto Node, IReadOnlyList<(NodeProto Reader, int Input, GatedParameter Parameter)> Uses);

    /// <summary>Finds layers in an already normalized model.</summary>
    internal static List<LayerMatch> Match(ModelProto normalized, NeuronLayerOptions options)
    {
        var g = new GraphIndex(normalized.Graph);
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var all = new List<LayerMatch>();
        foreach (var node in normalized.Graph.Node)
        {
            var uses = new List<(NodeProto, int, GatedParameter)>();
            string? activation = Describe(g, node, uses, out var kind, out var channels);
            if (activation is null || claimed.Contains(uses[0].Item3.Name)) continue;
            uses.RemoveAll(u => claimed.Contains(u.Item3.Name));
            foreach (var u in uses) claimed.Add(u.Item3.Name);
            var name = Unique(names, LayerName(uses[0].Item3.Name, node));
            var layer = new NeuronLayer(name, kind, node.Name, checked((int)channels), activation,
                NeuronNames.Mask(name), uses.Select(u => u.Item3).ToList());
            all.Add(new LayerMatch(layer, node, uses));
        }
        return Select(g, all, options);
    }

    /// <summary>
    /// When <paramref name="node"/> is a neuron layer: fills its parameter uses (weight first) and
    /// returns the activation NEq hooks; else null.
    /// </summary>
    static string? Describe(GraphIndex g, NodeProto node, List<(NodeProto, int, GatedParameter)> uses, out NeuronLayerKind kind, out long channels)
    {
        kind = default;
        channels = 0;
        if (GraphIndex.IsOnnx(node, "BatchNormalization"))
        {
            if (node.Input.Count < 3 || LayerPatterns.Parameter(g, node.Input[1]) is not { } scale || g.Initializers[scale].Dims.Count != 1) return null;
            kind = NeuronLayerKind.BatchNorm;
            channels = g.Initializers[scale].Dims[0];
            uses.Add((node, 1, new GatedParameter(scale, 0)));
            if (LayerPatterns.Parameter(g, node.Input[2]) is { } beta) uses.Add((node, 2, new GatedParameter(beta, 0)));
            return node.Output[0];
        }
        if (LayerPatterns.DenseOrConvWeight(g, node) is not { } w) return null;
        bool conv = GraphIndex.IsOnnx(node, "Conv");
        kind = conv ? NeuronLayerKind.Conv : NeuronLayerKind.Dense;
        channels = LayerPatterns.Channels(node, w);
        int weightAxis = conv || (GraphIndex.IsOnnx(node, "Gemm") && node.GetInt("transB", 0) != 0) ? 0 : 1;
        uses.Add((node, 1, new GatedParameter(LayerPatterns.Parameter(g, node.Input[1])!, weightAxis)));

        // The bias: the node's own (Conv B, Gemm C), else a separate Add after it (Gemm without C, MatMul).
        bool ownBias = !GraphIndex.IsOnnx(node, "MatMul") && node.Input.Count > 2 && node.Input[2].Length > 0;
        if (ownBias)
        {
            if (LayerPatterns.Parameter(g, node.Input[2]) is { } b && LayerPatterns.OwnBiasAxis(node, w, g.Initializers[b].Dims) is { } axis)
                uses.Add((node, 2, new GatedParameter(b, axis)));
            return node.Output[0];
        }
        if (LayerPatterns.SeparateBiasAdd(g, node) is { } sep
            && LayerPatterns.Parameter(g, sep.Add.Input[sep.BiasInput]) is { } bias
            && LayerPatterns.BiasAxis(node, w, g.Initializers[bias].Dims) is { } biasAxis)
        {
            uses.Add((sep.Add, sep.BiasInput, new GatedParameter(bias, biasAxis)));
            return sep.Add.Output[0];
        }
        return node.Output[0];
    }

    static string LayerName(string weight, NodeProto node) =>
        weight.Length > NeuronNames.WeightSuffix.Length && weight.EndsWith(NeuronNames.WeightSuffix, StringComparison.Ordinal)
            ? weight[..^NeuronNames.WeightSuffix.Length]
            : node.Name.Length > 0 ? node.Name : node.Output[0];

    static string Unique(HashSet<string> names, string name)
    {
        if (names.Add(name)) return name;
        for (int k = 2; ; k++)
            if (names.Add($"{name}__{k}")) return $"{name}__{k}";
    }

    /// <summary>Applies the classifier rule and the name filter.</summary>
    static List<LayerMatch> Select(GraphIndex g, List<LayerMatch> all, NeuronLayerOptions options)
    {
        if (options.Layers is { } wanted)
        {
            var known = all.Select(m => m.Layer.Name).ToHashSet(StringComparer.Ordinal);
            var unknown = wanted.Where(n => !known.Contains(n)).ToList();
            if (unknown.Count > 0)
                throw new ArgumentException(
                    $"No neuron layer is named {string.Join(", ", unknown.Select(n => $"'{n}'"))}. Layers: {string.Join(", ", known)}.",
                    nameof(options));
            var set = wanted.ToHashSet(StringComparer.Ordinal);
            return all.Where(m => set.Contains(m.Layer.Name)).ToList();
        }
        if (options.IncludeClassifier) return all;
        var layerNodes = new HashSet<NodeProto>(all.Select(m => m.Node), ReferenceEqualityComparer.Instance);
        return all.Where(m => m.Layer.Kind != NeuronLayerKind.Dense || !ReachesOutput(g, m.Layer.Activation, layerNodes)).ToList();
    }

    /// <summary>
    /// True when <paramref name="value"/> reaches a graph output without passing through a layer
    /// node. Activation exports (an Identity to a graph output named "…<c>.activation</c>") do not count.
    /// </summary>
    static bool ReachesOutput(GraphIndex g, string value, HashSet<NodeProto> layerNodes)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { value };
        var queue = new Queue<string>([value]);
        while (queue.Count > 0)
        {
            var v = queue.Dequeue();
            if (g.Outputs.Contains(v)) return true;
            foreach (var (reader, _) in g.ConsumersOf(v))
            {
                if (layerNodes.Contains(reader) || IsActivationExport(g, reader)) continue;
                foreach (var o in reader.Output)
                    if (o.Length > 0 && seen.Add(o)) queue.Enqueue(o);
            }
        }
        return false;
    }

    static bool IsActivationExport(GraphIndex g, NodeProto n) =>
        GraphIndex.IsOnnx(n, "Identity") && n.Output.Count == 1 && g.Outputs.Contains(n.Output[0])
        && n.Output[0].EndsWith(NeuronNames.ActivationOutput(""), StringComparison.Ordinal);
}
