using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;

namespace Neq.Onnx.Neurons;

/// <summary>
/// Finds the chains of constant-producing nodes that exporters put in front of a layer's weight —
/// Constant, Identity, Reshape, Transpose, Cast, Unsqueeze and Squeeze over initializers and
/// Constant nodes — and folds them. Anything else (a graph input, another operator) makes the
/// chain not constant. The operators are evaluated by shape inference's constant folder
/// (<see cref="ShapeInference"/> over the chain alone, without its size limit for shape
/// arithmetic), so each has one implementation.
/// </summary>
sealed class ConstantChain(GraphIndex index, long opset)
{
    const int MaxDepth = 32;

    /// <summary>Nodes the last successful <see cref="Fold"/> read.</summary>
    public List<NodeProto> Nodes { get; } = [];

    /// <summary>Initializers the last successful <see cref="Fold"/> read.</summary>
    public List<string> Initializers { get; } = [];

    /// <summary>
    /// The value of <paramref name="value"/> as a tensor named after it when it is computable from
    /// constants, else null. A Constant's or initializer's tensor seen through Identity nodes keeps
    /// its bytes; a computed one is written as raw_data.
    /// </summary>
    public TensorProto? Fold(string value)
    {
        Nodes.Clear();
        Initializers.Clear();
        if (!Collect(value, 0)) return null;

        var chain = new GraphProto();
        foreach (var name in Initializers.Distinct()) chain.Initializer.Add(index.Initializers[name]);
        var members = Nodes.ToHashSet();
        chain.Node.AddRange(index.Graph.Node.Where(members.Contains)); // graph order is topological
        ShapeInferenceResult folded;
        try
        {
            folded = ShapeInference.Infer(chain, opset, maxFoldElements: long.MaxValue);
        }
        catch (OnnxFormatException)
        {
            return null; // a contradiction in the chain (a bad reshape): leave it as it is
        }
        if (!folded.Constants.TryGetValue(value, out var t)) return null;
        var result = t.Clone();
        result.Name = value;
        return result;
    }

    /// <summary>
    /// When <paramref name="value"/> is an initializer seen through Identity nodes only, that
    /// initializer's name (the consumer can read it directly), else null.
    /// </summary>
    public string? IdentityRoot(string value)
    {
        for (int depth = 0; depth < MaxDepth; depth++)
        {
            if (index.Initializers.ContainsKey(value)) return value;
            if (index.ProducerOf(value) is not { } n || !GraphIndex.IsOnnx(n, "Identity")) return null;
            value = n.Input[0];
        }
        return null;
    }

    /// <summary>Adds the chain computing <paramref name="value"/> to <see cref="Nodes"/> and <see cref="Initializers"/>; false when it is not constant.</summary>
    bool Collect(string value, int depth)
    {
        if (depth > MaxDepth || value.Length == 0) return false;
        if (index.Initializers.ContainsKey(value))
        {
            Initializers.Add(value);
            return true;
        }
        if (index.ProducerOf(value) is not { } n || !OnnxDomain.IsOnnx(n.Domain) || n.Output.Count != 1) return false;
        Nodes.Add(n);
        if (n.OpType == "Constant") return true;
        if (n.OpType is not ("Identity" or "Reshape" or "Transpose" or "Cast" or "Unsqueeze" or "Squeeze")) return false;
        return n.Input.Where(i => i.Length > 0).All(i => Collect(i, depth + 1));
    }
}
