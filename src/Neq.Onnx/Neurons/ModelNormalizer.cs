using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Neurons;

/// <summary>
/// Turns the variants that exporters (PyTorch, tf2onnx, Paddle2ONNX, CNTK, MXNet) write into the
/// canonical form the project expects, without changing any output value:
/// <list type="bullet">
/// <item>initializers also listed as graph inputs (the pre-IR-4 convention, or
/// keep_initializers_as_inputs) are removed from the inputs: they were defaults, and as inputs they
/// would look like data;</item>
/// <item>a parameter input of a layer — Conv weight and bias, BatchNormalization scale, bias, mean
/// and variance, Gemm B and C, MatMul B, and a per-channel bias applied to a Conv/Gemm/MatMul
/// output by a separate Add — that is computed from constants (Constant nodes and initializers,
/// through Identity, Reshape, Transpose, Cast, Unsqueeze or Squeeze) becomes one initializer named
/// as the value the layer reads, holding the folded result (weights reaching a MatMul through a
/// Reshape become one initializer of the MatMul's shape); a chain of Identity nodes from an
/// initializer is bypassed instead, unless something else reads that initializer too: PyTorch's
/// exporter merges parameters of equal value (zero BN biases and running means) into one
/// initializer read through an Identity per parameter, and those must not stay tied, so each such
/// reader gets its own copy named as the value it reads. Chain nodes and initializers nothing
/// else reads are removed.</item>
/// </list>
/// Nothing else is touched: constants that are shapes, pads, scales or anchors stay as they are,
/// and the IR and opset versions do not change. Mask inputs of MaskGate nodes (an already gated
/// model) keep their default-initializer form.
/// </summary>
public static class ModelNormalizer
{
    /// <summary>Normalizes <paramref name="model"/>'s main graph in place.</summary>
    public static void Normalize(ModelProto model)
    {
        var graph = model.Graph;
        RemoveInitializerInputs(graph);

        var g = new GraphIndex(graph);
        var chain = new ConstantChain(g, model.OpsetOf("") ?? OnnxModel.DefaultOpset);
        var deadNodes = new List<NodeProto>();
        var deadInits = new List<string>();

        bool Materialize(NodeProto reader, int input, Func<TensorProto, bool> accept)
        {
            var v = reader.Input[input];
            // A graph output stays computed: outputs that are initializers are best avoided.
            if (v.Length == 0 || g.Initializers.ContainsKey(v) || g.Outputs.Contains(v)) return false;
            if (chain.IdentityRoot(v) is { } root)
            {
                if (IsShared(g, v, root))
                {
                    var identity = g.ProducerOf(v)!;
                    Remove(graph, identity);
                    g.Producer.Remove(v);
                    var copy = g.Initializers[root].Clone();
                    copy.Name = v;
                    graph.Initializer.Add(copy);
                    g.Initializers[v] = copy;
                    for (var n = g.ProducerOf(identity.Input[0]); n is not null; n = g.ProducerOf(n.Input[0])) deadNodes.Add(n);
                    deadInits.Add(root);
                    return true;
                }
                reader.Input[input] = root;
                for (var n = g.ProducerOf(v); n is not null; n = g.ProducerOf(n.Input[0])) deadNodes.Add(n);
                return true;
            }
            if (chain.Fold(v) is not { } tensor || !ElementTypes.IsFloating((DataType)tensor.DataType) || !accept(tensor)) return false;
            var producer = g.ProducerOf(v)!;
            Remove(graph, producer);
            g.Producer.Remove(v);
            graph.Initializer.Add(tensor);
            g.Initializers[v] = tensor;
            deadNodes.AddRange(chain.Nodes.Where(n => !ReferenceEquals(n, producer)));
            deadInits.AddRange(chain.Initializers);
            return true;
        }

        foreach (var node in graph.Node.ToList())
        {
            foreach (var i in LayerPatterns.ParameterInputs(node))
                if (i < node.Input.Count) Materialize(node, i, _ => true);

            if (!GraphIndex.IsOnnx(node, "Add") || node.Input.Count != 2) continue;
            for (int j = 0; j < 2; j++)
            {
                if (g.ProducerOf(node.Input[j]) is not { } layer || LayerPatterns.DenseOrConvWeight(g, layer) is not { } w) continue;
                if (LayerPatterns.SeparateBiasAdd(g, layer) is not { } sep || !ReferenceEquals(sep.Add, node)) continue;
                // Only a per-channel bias is a parameter; anything else (an anchor grid) stays.
                Materialize(node, sep.BiasInput, t => LayerPatterns.BiasAxis(layer, w, t.Dims) is not null);
                break;
            }
        }
        RemoveDead(graph, deadNodes, deadInits);
    }

    /// <summary>
    /// True when a value on the Identity chain from <paramref name="root"/> to
    /// <paramref name="value"/> (the root included) is read by more than the chain itself.
    /// </summary>
    static bool IsShared(GraphIndex g, string value, string root)
    {
        for (var v = g.ProducerOf(value)!.Input[0]; ; v = g.ProducerOf(v)!.Input[0])
        {
            if (g.ConsumersOf(v).Count > 1 || g.Outputs.Contains(v) || g.ReadBySubgraphs.Contains(v)) return true;
            if (v == root) return false;
        }
    }

    static void RemoveInitializerInputs(GraphProto graph)
    {
        var inits = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var masks = graph.Node.Where(GraphIndex.IsMaskGate).Where(n => n.Input.Count > 1).Select(n => n.Input[1]).ToHashSet(StringComparer.Ordinal);
        for (int k = graph.Input.Count - 1; k >= 0; k--)
            if (inits.Contains(graph.Input[k].Name) && !masks.Contains(graph.Input[k].Name)) graph.Input.RemoveAt(k);
    }

    /// <summary>Removes the chain nodes and initializers that nothing reads any more.</summary>
    static void RemoveDead(GraphProto graph, List<NodeProto> nodes, List<string> inits)
    {
        for (bool changed = true; changed;)
        {
            changed = false;
            var g = new GraphIndex(graph);
            foreach (var n in nodes)
            {
                if (!graph.Node.Any(m => ReferenceEquals(m, n)) || n.Output.Any(o => o.Length > 0 && g.IsRead(o))) continue;
                Remove(graph, n);
                changed = true;
            }
        }
        var read = new GraphIndex(graph);
        foreach (var name in inits.Distinct())
        {
            if (read.IsRead(name) || graph.Input.Any(i => i.Name == name)) continue;
            for (int k = graph.Initializer.Count - 1; k >= 0; k--)
                if (graph.Initializer[k].Name == name) graph.Initializer.RemoveAt(k);
        }
    }

    static void Remove(GraphProto graph, NodeProto node)
    {
        for (int k = 0; k < graph.Node.Count; k++)
            if (ReferenceEquals(graph.Node[k], node)) { graph.Node.RemoveAt(k); return; }
    }
}
