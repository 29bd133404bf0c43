using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Neurons;

/// <summary>
/// Who produces and who reads each value of a graph (a snapshot: rebuild it after edits). Values
/// that nodes of subgraphs (If/Loop/Scan bodies) read from the outer graph count as read.
/// </summary>
sealed class GraphIndex
{
    public GraphProto Graph { get; }
    public Dictionary<string, NodeProto> Producer { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, List<(NodeProto Node, int Index)>> Consumers { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, TensorProto> Initializers { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Outputs { get; } = new(StringComparer.Ordinal);
    public HashSet<string> ReadBySubgraphs { get; } = new(StringComparer.Ordinal);

    public GraphIndex(GraphProto graph)
    {
        Graph = graph;
        foreach (var t in graph.Initializer) Initializers.TryAdd(t.Name, t);
        foreach (var o in graph.Output) Outputs.Add(o.Name);
        foreach (var n in graph.Node)
        {
            for (int i = 0; i < n.Input.Count; i++)
            {
                if (n.Input[i].Length == 0) continue;
                if (!Consumers.TryGetValue(n.Input[i], out var list)) Consumers[n.Input[i]] = list = [];
                list.Add((n, i));
            }
            foreach (var o in n.Output)
                if (o.Length > 0) Producer[o] = n;
            foreach (var a in n.Attribute)
            {
                if (a.G is { } g) CollectReads(g);
                foreach (var sg in a.Graphs) CollectReads(sg);
            }
        }
    }

    void CollectReads(GraphProto g)
    {
        foreach (var n in g.Node)
        {
            foreach (var i in n.Input) if (i.Length > 0) ReadBySubgraphs.Add(i);
            foreach (var a in n.Attribute)
            {
                if (a.G is { } sg) CollectReads(sg);
                foreach (var s in a.Graphs) CollectReads(s);
            }
        }
    }

    /// <summary>The nodes reading <paramref name="value"/> (empty when none).</summary>
    public IReadOnlyList<(NodeProto Node, int Index)> ConsumersOf(string value) =>
        Consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>True when something reads <paramref name="value"/>: a node, a subgraph or the graph's outputs.</summary>
    public bool IsRead(string value) =>
        Consumers.ContainsKey(value) || Outputs.Contains(value) || ReadBySubgraphs.Contains(value);

    /// <summary>The node producing <paramref name="value"/>, or null (graph input, initializer, absent).</summary>
    public NodeProto? ProducerOf(string value) => Producer.GetValueOrDefault(value);

    /// <summary>True for a node of the default ONNX domain with operator <paramref name="opType"/>.</summary>
    public static bool IsOnnx(NodeProto n, string opType) => OnnxDomain.IsOnnx(n.Domain) && n.OpType == opType;

    /// <summary>True for the project's MaskGate node.</summary>
    public static bool IsMaskGate(NodeProto n) => Operators.MaskGate.Is(n);
}
