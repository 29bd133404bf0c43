using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;

namespace Neq.Onnx.Graphs;

/// <summary>
/// Appends nodes, initializers, inputs and outputs to a <see cref="GraphProto"/> with unique,
/// deterministic names: the same sequence of calls always yields the same graph, byte for byte.
/// Works on a new graph or on one loaded from a file (existing names are reserved).
/// </summary>
public sealed class GraphBuilder
{
    readonly HashSet<string> _names = new(StringComparer.Ordinal);
    readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    readonly HashSet<string> _reserved = new(StringComparer.Ordinal); // named by UniqueName, not yet produced

    /// <summary>The graph being built; nodes are appended in call order.</summary>
    public GraphProto Graph { get; }

    /// <summary>Starts an empty graph.</summary>
    public GraphBuilder(string name) : this(new GraphProto { Name = name }) { }

    /// <summary>Continues an existing graph; every value and node name in it is reserved.</summary>
    public GraphBuilder(GraphProto graph)
    {
        Graph = graph;
        foreach (var v in graph.Input) _names.Add(v.Name);
        foreach (var v in graph.Output) _names.Add(v.Name);
        foreach (var v in graph.ValueInfo) _names.Add(v.Name);
        foreach (var t in graph.Initializer) _names.Add(t.Name);
        foreach (var n in graph.Node)
        {
            foreach (var o in n.Output) _names.Add(o);
            foreach (var i in n.Input) _names.Add(i);
            if (n.Name.Length > 0) _nodeNames.Add(n.Name);
        }
    }

    /// <summary>True when <paramref name="name"/> already names a value of the graph.</summary>
    public bool IsUsed(string name) => _names.Contains(name);

    /// <summary>
    /// Reserves and returns a value name: <paramref name="hint"/> itself when free, else
    /// <c>hint__1</c>, <c>hint__2</c>, …
    /// </summary>
    public string UniqueName(string hint)
    {
        var name = Reserve(_names, hint);
        _reserved.Add(name);
        return name;
    }

    /// <summary>Reserves and returns a node name, unique among the graph's node names.</summary>
    public string UniqueNodeName(string hint) => Reserve(_nodeNames, hint);

    static string Reserve(HashSet<string> set, string hint)
    {
        if (set.Add(hint)) return hint;
        for (int k = 1; ; k++)
        {
            var candidate = $"{hint}__{k}";
            if (set.Add(candidate)) return candidate;
        }
    }

    /// <summary>Adds a graph input of the given type; returns its (unique) name.</summary>
    public string AddInput(string name, TensorType type)
    {
        var unique = Reserve(_names, name);
        Graph.Input.Add(type.ToValueInfo(unique));
        return unique;
    }

    /// <summary>Declares an existing value as a graph output, with its type when known.</summary>
    public void AddOutput(string name, TensorType? type = null) =>
        Graph.Output.Add(type is null ? new ValueInfoProto { Name = name } : type.ToValueInfo(name));

    /// <summary>Adds an initializer; its name is made unique. Returns the name used.</summary>
    public string AddInitializer(TensorProto tensor)
    {
        tensor.Name = Reserve(_names, tensor.Name);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>
    /// Appends a node. Output names must be new, or reserved by <see cref="UniqueName"/> and not
    /// produced yet; attributes are written in name order so that equal calls give equal bytes.
    /// </summary>
    public NodeProto AddNode(NodeSpec spec)
    {
        var node = new NodeProto
        {
            OpType = spec.OpType,
            Name = UniqueNodeName(spec.Name ?? spec.OpType),
        };
        if (spec.Domain.Length > 0) node.Domain = spec.Domain;
        node.Input.AddRange(spec.Inputs);
        foreach (var o in spec.Outputs)
        {
            if (o.Length > 0 && !_reserved.Remove(o) && !_names.Add(o))
                throw new InvalidOperationException($"Value '{o}' is already defined; node '{node.Name}' cannot produce it again.");
            node.Output.Add(o);
        }
        if (spec.Attributes is { } attrs)
            node.Attribute.AddRange(attrs.OrderBy(a => a.Name, StringComparer.Ordinal));
        Graph.Node.Add(node);
        return node;
    }

    /// <summary>
    /// Appends a single-output node and returns the output's name: <paramref name="output"/>
    /// when given (made unique), else one derived from the node's name.
    /// </summary>
    public string Op(string opType, IReadOnlyList<string> inputs, IEnumerable<AttributeProto>? attributes = null,
        string? output = null, string? name = null, string domain = "")
    {
        var nodeName = UniqueNodeName(name ?? opType);
        _nodeNames.Remove(nodeName); // AddNode reserves it again
        var outName = UniqueName(output ?? nodeName + "_out");
        AddNode(new NodeSpec(opType, inputs, [outName], attributes, nodeName, domain));
        return outName;
    }

    /// <summary>Appends a node with several outputs named <c>{hint}</c> (made unique); returns them.</summary>
    public string[] OpN(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputHints,
        IEnumerable<AttributeProto>? attributes = null, string? name = null, string domain = "")
    {
        var outs = outputHints.Select(h => h.Length == 0 ? "" : UniqueName(h)).ToArray();
        AddNode(new NodeSpec(opType, inputs, outs, attributes, name, domain));
        return outs;
    }

    /// <summary>Adds a constant as an initializer named after <paramref name="hint"/>; returns its name.</summary>
    public string Const(string hint, TensorProto value)
    {
        value.Name = hint;
        return AddInitializer(value);
    }

    /// <summary>A one-dimensional int64 constant (axes, shapes, pads, starts…).</summary>
    public string ConstInts(string hint, params long[] values) => Const(hint, Tensors.Int64Vector(hint, values));

    /// <summary>A float32 scalar constant.</summary>
    public string ConstFloat(string hint, float value) => Const(hint, Tensors.FloatScalar(hint, value));
}
