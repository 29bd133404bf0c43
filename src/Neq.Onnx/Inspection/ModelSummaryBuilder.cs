using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Inspection;

/// <summary>
/// Summarises any ONNX model: inputs and outputs, operator sets, operator counts, parameter count,
/// and a per-layer table of output channels and forward MACs per sample (shapes from
/// <see cref="ShapeInference"/>, so the numbers are what the project's tools see).
/// </summary>
public static class ModelSummaryBuilder
{
    /// <summary>Summarises <paramref name="model"/>; see <see cref="ModelSummary"/> for what each field counts.</summary>
    public static ModelSummary Build(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph ?? throw new ArgumentException("The model has no graph.", nameof(model));
        var shapes = ShapeInference.Infer(model);
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);

        var opsets = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var o in model.OpsetImport) opsets[o.Domain] = o.Version;

        var opCounts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in graph.Node)
        {
            var key = OnnxDomain.IsOnnx(n.Domain) ? n.OpType : $"{n.Domain}:{n.OpType}";
            opCounts[key] = opCounts.GetValueOrDefault(key) + 1;
        }

        var inputs = graph.Input.Where(v => !initializers.ContainsKey(v.Name))
            .Select(v => new ValueSummary(v.Name, TensorType.FromValueInfo(v))).ToArray();
        var outputs = graph.Output.Select(v => new ValueSummary(v.Name, TensorType.FromValueInfo(v))).ToArray();

        var (paramCount, paramTensors) = CountParameters(graph);
        var constants = graph.Node.Where(n => n.OpType == "Constant" && OnnxDomain.IsOnnx(n.Domain))
            .SelectMany(n => n.Output).Concat(initializers.Keys).ToHashSet(StringComparer.Ordinal);
        var layers = new LayerReader(shapes, initializers, constants);
        var table = graph.Node.Select(layers.Read).OfType<LayerSummary>().ToArray();

        var producer = model.ProducerVersion.Length > 0 ? $"{model.ProducerName} {model.ProducerVersion}" : model.ProducerName;
        return new ModelSummary(model.IrVersion, producer, opsets, inputs, outputs, opCounts, paramCount, paramTensors, table);
    }

    static (long Count, int Tensors) CountParameters(GraphProto graph)
    {
        var read = new HashSet<string>(StringComparer.Ordinal);
        var statistics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in AllNodes(graph))
        {
            foreach (var i in n.Input) read.Add(i);
            if (n.OpType == "BatchNormalization")
                foreach (var i in n.Input.Skip(3).Take(2)) statistics.Add(i);
        }
        long count = 0;
        int tensors = 0;
        foreach (var t in graph.Initializer)
        {
            if (!ElementTypes.IsFloating((DataType)t.DataType) || t.Dims.Count == 0) continue;
            if (!read.Contains(t.Name) || statistics.Contains(t.Name)) continue;
            count += t.ElementCount();
            tensors++;
        }
        return (count, tensors);
    }

    // Subgraphs (If/Loop/Scan bodies) may read the main graph's initializers too.
    static IEnumerable<NodeProto> AllNodes(GraphProto graph)
    {
        foreach (var n in graph.Node)
        {
            yield return n;
            foreach (var a in n.Attribute)
            {
                var subgraphs = a.G is { } g ? a.Graphs.Prepend(g) : a.Graphs;
                foreach (var sub in subgraphs)
                    foreach (var inner in AllNodes(sub)) yield return inner;
            }
        }
    }

    /// <summary>Turns one node into a table row, or null when it is not a layer.</summary>
    sealed class LayerReader(ShapeInferenceResult shapes, Dictionary<string, TensorProto> initializers, HashSet<string> constants)
    {
        public LayerSummary? Read(NodeProto n)
        {
            if (!OnnxDomain.IsOnnx(n.Domain) || n.Output.Count == 0) return null;
            var name = n.Name.Length > 0 ? n.Name : n.Output[0];
            var output = ShapeOf(n.Output[0]);
            var perSample = output is { Count: > 0 } ? output.Skip(1).ToArray() : null;
            switch (n.OpType)
            {
                case "Conv":
                {
                    // W: [C_out, C_in/group, k1, k2, …]; each output element costs C_in/group·Πk MACs.
                    var w = ShapeOf(Input(n, 1));
                    return new LayerSummary(name, n.OpType, perSample, At(output, 1) ?? At(w, 0), Product(perSample) * Product(w, from: 1));
                }
                case "ConvTranspose":
                {
                    // W: [C_in, C_out/group, k1, …]; each input element is scattered into C_out/group·Πk outputs.
                    var x = ShapeOf(Input(n, 0));
                    var w = ShapeOf(Input(n, 1));
                    return new LayerSummary(name, n.OpType, perSample, At(output, 1), Product(x, from: 1) * Product(w, from: 1));
                }
                case "Gemm":
                {
                    if (!IsConstant(Input(n, 1)) && !IsConstant(Input(n, 0))) return null;
                    // One output row per sample: N outputs, each a dot product of length K.
                    // B is [K, N], or [N, K] with transB; A is [M, K], or [K, M] with transA.
                    var a = ShapeOf(Input(n, 0));
                    var b = ShapeOf(Input(n, 1));
                    bool transB = n.GetInt("transB", 0) != 0;
                    var k = (transB ? At(b, 1) : At(b, 0)) ?? (n.GetInt("transA", 0) != 0 ? At(a, 0) : At(a, 1));
                    var outFeatures = At(output, 1) ?? (transB ? At(b, 0) : At(b, 1));
                    return new LayerSummary(name, n.OpType, perSample, outFeatures, outFeatures * k);
                }
                case "MatMul":
                {
                    bool weightRight = IsConstant(Input(n, 1));
                    if (!weightRight && !IsConstant(Input(n, 0))) return null;
                    // The contracted length is A's last dimension (A = input 0, whatever holds the weight).
                    var a = ShapeOf(Input(n, 0));
                    var k = a is { Count: > 0 } ? a[^1].Value : null;
                    var channels = output is { Count: > 0 } ? output[^1].Value : null;
                    return new LayerSummary(name, n.OpType, perSample, channels, Product(perSample) * k);
                }
                case "BatchNormalization":
                    return new LayerSummary(name, n.OpType, perSample, At(output, 1), 0);
                default:
                    return null;
            }
        }

        static string Input(NodeProto n, int i) => i < n.Input.Count ? n.Input[i] : "";

        bool IsConstant(string name) => name.Length > 0 && constants.Contains(name);

        IReadOnlyList<Dim>? ShapeOf(string name)
        {
            if (name.Length == 0) return null;
            if (initializers.TryGetValue(name, out var t)) return t.Dims.Select(Dim.Of).ToArray();
            return shapes.TypeOf(name)?.Shape;
        }

        static long? At(IReadOnlyList<Dim>? shape, int axis) => shape is not null && axis < shape.Count ? shape[axis].Value : null;

        static long? Product(IReadOnlyList<Dim>? shape, int from = 0)
        {
            if (shape is null) return null;
            long p = 1;
            for (int i = from; i < shape.Count; i++)
            {
                if (shape[i].Value is not { } v) return null;
                p *= v;
            }
            return p;
        }
    }
}
