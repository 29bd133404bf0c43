using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Neurons;

/// <summary>
/// Makes a batch size that an exporter fixed (torch.onnx.export without dynamic_axes writes
/// <c>[1,3,32,32]</c>) symbolic, so that the model runs — and trains — at any batch size with the
/// same per-sample outputs. Applies when every data input (a graph input that is not an
/// initializer) has the same fixed leading dimension N: those inputs, the outputs and value_info
/// entries whose leading dimension is N get the symbolic dimension <see cref="Symbol"/>, and the
/// constants that bake N in are rewritten to batch-free forms:
/// <list type="bullet">
/// <item>a Reshape of a batched value to a constant shape starting with N: N becomes -1 when no
/// other axis is -1, else 0 (copy the input's batch) when allowzero is off, else the batch read at
/// run time (Shape → Gather → Concat);</item>
/// <item>an Expand of a batched value to a shape starting with N &gt; 1: N becomes 1 (Expand
/// broadcasts both ways, so 1 keeps the input's batch);</item>
/// <item>an Expand, Tile or ConstantOfShape that builds a batch-sized tensor from a constant
/// (N &gt; 1 at the leading axis): the batch read at run time.</item>
/// </list>
/// A Reshape of a value computed from the data whose leading axis is not the batch, to a shape
/// starting with N, cannot be told apart from a reshape that moves the batch elsewhere: one error
/// names the node.
/// </summary>
public static class FixedBatch
{
    /// <summary>The symbolic dimension the fixed batch becomes.</summary>
    public const string Symbol = "batch";

    /// <summary>Rewrites <paramref name="model"/> in place; returns the fixed batch size it had, or null when it had none.</summary>
    /// <exception cref="OnnxFormatException">A constant bakes the batch in where it cannot be rewritten.</exception>
    public static long? MakeSymbolic(ModelProto model)
    {
        var graph = model.Graph;
        var inits = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var data = graph.Input.Where(v => !inits.Contains(v.Name)).ToList();
        if (data.Count == 0) return null;
        long? n = null;
        foreach (var v in data)
        {
            if (LeadingDim(v) is not { } d || d < 1 || (n is not null && n != d)) return null;
            n = d;
        }
        long batch = n!.Value;
        foreach (var v in data) SetLeadingSymbol(v);
        foreach (var v in graph.Output.Concat(graph.ValueInfo))
            if (LeadingDim(v) == batch) SetLeadingSymbol(v);

        long opset = model.OpsetOf("") ?? OnnxModel.DefaultOpset;
        var dynamic = DataDependent(graph, data.Select(v => v.Name));
        var b = new GraphBuilder(graph);
        // Each rewrite can reveal the batch further down the graph, so infer again until none is left.
        for (bool changed = true; changed;)
        {
            changed = false;
            var shapes = ShapeInference.Infer(graph, opset);
            var constants = Constants(graph);
            foreach (var node in graph.Node.ToList())
            {
                if (!OnnxDomain.IsOnnx(node.Domain)) continue;
                int shapeInput = node.OpType switch { "Reshape" or "Expand" or "Tile" => 1, "ConstantOfShape" => 0, _ => -1 };
                if (shapeInput < 0 || shapeInput >= node.Input.Count || !constants.TryGetValue(node.Input[shapeInput], out var s)) continue;
                if (s.Length == 0 || s[0] != batch) continue;
                bool isDynamic = node.OpType != "ConstantOfShape" && dynamic.Contains(node.Input[0]);
                var x = node.OpType == "ConstantOfShape" ? null : shapes.TypeOf(node.Input[0]);
                bool batched = x?.Shape is { Count: > 0 } xs && xs[0].Symbol == Symbol;
                long[]? replaced = null;
                bool runtime = false;
                switch (node.OpType)
                {
                    case "Reshape" when batched:
                        if (!s.Skip(1).Contains(-1)) replaced = [-1, .. s[1..]];
                        else if (node.GetInt("allowzero", 0) == 0) replaced = [0, .. s[1..]];
                        else runtime = true;
                        break;
                    case "Reshape" when isDynamic:
                        throw new OnnxFormatException($"Node '{NodeName(node)}' (Reshape) reshapes to [{string.Join(", ", s)}], which fixes the batch size {batch}, "
                            + "but its input's leading axis is not the batch: export the model with a dynamic batch axis.");
                    case "Expand" when batched && batch > 1:
                        replaced = [1, .. s[1..]];
                        break;
                    case "Expand" or "Tile" or "ConstantOfShape" when !isDynamic && batch > 1:
                        runtime = true;
                        break;
                }
                if (replaced is null && !runtime) continue;
                string shapeValue = replaced is not null
                    ? AddConstant(graph, Tensors.Int64Vector(b.UniqueName(node.Input[shapeInput] + "_batchfree"), replaced))
                    : RuntimeShape(graph, b, node, data[0].Name, s[1..]);
                var old = node.Input[shapeInput];
                node.Input[shapeInput] = shapeValue;
                DropIfUnread(graph, old);
                changed = true;
            }
        }
        return batch;
    }

    /// <summary>
    /// Removes the initializer or Constant node of a shape no node reads any more, so that no
    /// unused initializer is left for ONNX Runtime to warn about at every session.
    /// </summary>
    static void DropIfUnread(GraphProto graph, string value)
    {
        if (graph.Node.Any(n => n.Input.Contains(value)) || graph.Output.Any(o => o.Name == value)) return;
        for (int k = graph.Initializer.Count - 1; k >= 0; k--)
            if (graph.Initializer[k].Name == value && graph.Input.All(i => i.Name != value)) graph.Initializer.RemoveAt(k);
        for (int k = graph.Node.Count - 1; k >= 0; k--)
            if (graph.Node[k].OpType == "Constant" && graph.Node[k].Output.Count == 1 && graph.Node[k].Output[0] == value) graph.Node.RemoveAt(k);
    }

    static long? LeadingDim(ValueInfoProto v) =>
        v.Type?.TensorType?.Shape is { Dim.Count: > 0 } s && s.Dim[0].HasDimValue ? s.Dim[0].DimValue : null;

    static void SetLeadingSymbol(ValueInfoProto v) =>
        v.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = Symbol };

    static string NodeName(NodeProto node) => node.Name.Length > 0 ? node.Name : node.Output[0];

    /// <summary>The values computed from the data inputs (the rest are constants).</summary>
    static HashSet<string> DataDependent(GraphProto graph, IEnumerable<string> inputs)
    {
        var set = new HashSet<string>(inputs, StringComparer.Ordinal);
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var node in graph.Node)
                if (node.Input.Any(set.Contains))
                    foreach (var o in node.Output)
                        changed |= o.Length > 0 && set.Add(o);
        }
        return set;
    }

    /// <summary>Int64 vectors held by initializers and Constant nodes, by value name.</summary>
    static Dictionary<string, long[]> Constants(GraphProto graph)
    {
        var result = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var t in graph.Initializer)
            if ((DataType)t.DataType == DataType.Int64 && t.Dims.Count == 1) result[t.Name] = t.ToInt64Array();
        foreach (var node in graph.Node)
            if (OnnxDomain.IsOnnx(node.Domain) && node.OpType == "Constant" && node.Find("value") is { T: { } t }
                && (DataType)t.DataType == DataType.Int64 && t.Dims.Count == 1)
                result[node.Output[0]] = t.ToInt64Array();
        return result;
    }

    /// <summary>A fresh initializer (the old constant may have other readers).</summary>
    static string AddConstant(GraphProto graph, TensorProto value)
    {
        graph.Initializer.Add(value);
        return value.Name;
    }

    /// <summary>Concat(Gather(Shape(input), [0]), rest): the shape with the batch read at run time, computed just before <paramref name="reader"/>.</summary>
    // Shape, Gather and Concat (with its axis attribute) read the same in every opset from 4 on.
    static string RuntimeShape(GraphProto graph, GraphBuilder b, NodeProto reader, string input, long[] rest)
    {
        var shape = b.UniqueName(input + "_shape");
        var index = b.UniqueName(input + "_batch_index");
        var dim = b.UniqueName(input + "_batch");
        var tail = b.UniqueName(reader.Input[^1] + "_tail");
        var result = b.UniqueName(reader.Input[^1] + "_batched");
        graph.Initializer.Add(Tensors.Int64Vector(index, 0));
        graph.Initializer.Add(Tensors.Int64Vector(tail, rest));
        var nodes = new[]
        {
            new NodeProto { OpType = "Shape", Name = b.UniqueNodeName(shape), Input = { input }, Output = { shape } },
            new NodeProto { OpType = "Gather", Name = b.UniqueNodeName(dim), Input = { shape, index }, Output = { dim }, Attribute = { Attr.Int("axis", 0) } },
            new NodeProto { OpType = "Concat", Name = b.UniqueNodeName(result), Input = { dim, tail }, Output = { result }, Attribute = { Attr.Int("axis", 0) } },
        };
        int at = graph.Node.IndexOf(reader);
        for (int k = 0; k < nodes.Length; k++) graph.Node.Insert(at + k, nodes[k]);
        return result;
    }
}
