using System.Runtime.InteropServices;
using Google.Protobuf;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Neurons;

/// <summary>A tensor computed at build time: element type, dims and values (float16/32 and int32 fit a double exactly).</summary>
/// <param name="Type">Element type.</param>
/// <param name="Dims">Dimensions.</param>
/// <param name="Data">Values in row-major order.</param>
/// <param name="Original">The stored tensor when no operator changed it, so its bytes can be kept as they are.</param>
sealed record ConstTensor(DataType Type, long[] Dims, double[] Data, TensorProto? Original = null)
{
    public bool IsFloating => ElementTypes.IsFloating(Type);

    public TensorProto ToTensor(string name)
    {
        if (Original is not null)
        {
            var t = Original.Clone();
            t.Name = name;
            return t;
        }
        return Type switch
        {
            DataType.Float => Tensors.Float(name, Dims, Array.ConvertAll(Data, x => (float)x)),
            DataType.Double => Tensors.Double(name, Dims, Data),
            DataType.Int64 => Tensors.Int64(name, Dims, Array.ConvertAll(Data, x => (long)x)),
            DataType.Int32 => Tensors.Int32(name, Dims, Array.ConvertAll(Data, x => (int)x)),
            DataType.Float16 => HalfTensor(name),
            _ => throw new InvalidOperationException($"Cannot write a constant of type {Type}."),
        };
    }

    TensorProto HalfTensor(string name)
    {
        var halves = Array.ConvertAll(Data, x => (Half)x);
        var t = new TensorProto { Name = name, DataType = (int)DataType.Float16, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(halves.AsSpan())) };
        t.Dims.AddRange(Dims);
        return t;
    }

    /// <summary>Reads a stored tensor; null for types and storage forms the folder does not handle.</summary>
    public static ConstTensor? From(TensorProto t)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External || t.Segment is not null) return null;
        var type = (DataType)t.DataType;
        double[] data;
        switch (type)
        {
            case DataType.Float or DataType.Double:
                data = t.ToDoubleArray();
                break;
            case DataType.Int64 or DataType.Int32:
                data = Array.ConvertAll(t.ToInt64Array(), x => (double)x);
                break;
            case DataType.Float16:
                // float16 lives in raw_data, or as its bit patterns in int32_data.
                data = t.HasRawData
                    ? Array.ConvertAll(MemoryMarshal.Cast<byte, Half>(t.RawData.Span).ToArray(), x => (double)x)
                    : t.Int32Data.Select(bits => (double)BitConverter.UInt16BitsToHalf((ushort)bits)).ToArray();
                break;
            default:
                return null;
        }
        var dims = t.Dims.ToArray();
        if (data.LongLength != dims.Aggregate(1L, (a, b) => a * b)) return null;
        return new ConstTensor(type, dims, data, t);
    }
}

/// <summary>
/// Evaluates chains of constant-producing nodes that exporters put in front of a layer's weight:
/// Constant, Identity, Reshape, Transpose, Cast, Unsqueeze and Squeeze over initializers and
/// Constant nodes. Anything else (a graph input, another operator) makes the chain not constant.
/// </summary>
sealed class ConstantChain(GraphIndex index)
{
    const int MaxDepth = 32;

    /// <summary>Nodes and initializers the last successful <see cref="Fold"/> read.</summary>
    public List<NodeProto> Nodes { get; } = [];

    /// <summary>Initializers the last successful <see cref="Fold"/> read.</summary>
    public List<string> Initializers { get; } = [];

    /// <summary>The value of <paramref name="value"/> when it is computable from constants, else null.</summary>
    public ConstTensor? Fold(string value)
    {
        Nodes.Clear();
        Initializers.Clear();
        return Eval(value, 0);
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

    ConstTensor? Eval(string value, int depth)
    {
        if (depth > MaxDepth || value.Length == 0) return null;
        if (index.Initializers.TryGetValue(value, out var init))
        {
            Initializers.Add(value);
            return ConstTensor.From(init);
        }
        if (index.ProducerOf(value) is not { } n || !OnnxDomain.IsOnnx(n.Domain) || n.Output.Count != 1) return null;
        Nodes.Add(n);
        if (n.OpType == "Constant") return FromConstantNode(n);
        if (n.OpType is not ("Identity" or "Reshape" or "Transpose" or "Cast" or "Unsqueeze" or "Squeeze")) return null;
        var x = Eval(n.Input[0], depth + 1);
        if (x is null) return null;
        long[]? Ints(int input, string attr)
        {
            if (n.Input.Count > input && n.Input[input].Length > 0)
                return Eval(n.Input[input], depth + 1) is { } t ? Array.ConvertAll(t.Data, v => (long)v) : null;
            return n.GetInts(attr);
        }
        return n.OpType switch
        {
            "Identity" => x,
            "Cast" => Cast(x, (DataType)n.GetInt("to", 0)),
            "Reshape" => Ints(1, "shape") is { } shape ? Reshape(x, shape, n.GetInt("allowzero", 0) != 0) : null,
            "Transpose" => Transpose(x, n.GetInts("perm")),
            "Unsqueeze" => Ints(1, "axes") is { } axes ? Unsqueeze(x, axes) : null,
            _ => Squeeze(x, Ints(1, "axes")),
        };
    }

    static ConstTensor? FromConstantNode(NodeProto n)
    {
        if (n.Attribute.Count != 1) return null;
        var a = n.Attribute[0];
        return a.Name switch
        {
            "value" when a.T is not null => ConstTensor.From(a.T),
            "value_float" => new ConstTensor(DataType.Float, [], [a.F]),
            "value_floats" => new ConstTensor(DataType.Float, [a.Floats.Count], a.Floats.Select(f => (double)f).ToArray()),
            "value_int" => new ConstTensor(DataType.Int64, [], [a.I]),
            "value_ints" => new ConstTensor(DataType.Int64, [a.Ints.Count], a.Ints.Select(i => (double)i).ToArray()),
            _ => null,
        };
    }

    static ConstTensor? Cast(ConstTensor x, DataType to) => to switch
    {
        DataType.Float => x with { Type = to, Data = Array.ConvertAll(x.Data, v => (double)(float)v), Original = null },
        DataType.Double => x with { Type = to, Original = null },
        DataType.Float16 => x with { Type = to, Data = Array.ConvertAll(x.Data, v => (double)(Half)v), Original = null },
        DataType.Int64 or DataType.Int32 => x with { Type = to, Data = Array.ConvertAll(x.Data, Math.Truncate), Original = null },
        _ => null,
    };

    static ConstTensor? Reshape(ConstTensor x, long[] shape, bool allowZero)
    {
        var dims = new long[shape.Length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1) { if (infer >= 0) return null; infer = i; continue; }
            dims[i] = shape[i] == 0 && !allowZero ? (i < x.Dims.Length ? x.Dims[i] : -1) : shape[i];
            if (dims[i] < 0) return null;
            known *= dims[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || x.Data.LongLength % known != 0) return null;
            dims[infer] = x.Data.LongLength / known;
        }
        else if (known != x.Data.LongLength) return null;
        return x with { Dims = dims, Original = null };
    }

    static ConstTensor? Transpose(ConstTensor x, long[]? perm)
    {
        int r = x.Dims.Length;
        perm ??= Enumerable.Range(0, r).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != r || perm.Distinct().Count() != r || perm.Any(p => p < 0 || p >= r)) return null;
        var outDims = perm.Select(p => x.Dims[p]).ToArray();
        // Strides of the input, read in the output's axis order.
        var inStrides = new long[r];
        long stride = 1;
        for (int a = r - 1; a >= 0; a--) { inStrides[a] = stride; stride *= x.Dims[a]; }
        var strides = perm.Select(p => inStrides[p]).ToArray();
        var data = new double[x.Data.Length];
        var idx = new long[r];
        for (long k = 0; k < data.LongLength; k++)
        {
            long src = 0;
            for (int a = 0; a < r; a++) src += idx[a] * strides[a];
            data[k] = x.Data[src];
            for (int a = r - 1; a >= 0; a--)
            {
                if (++idx[a] < outDims[a]) break;
                idx[a] = 0;
            }
        }
        return x with { Dims = outDims, Data = data, Original = null };
    }

    static ConstTensor? Unsqueeze(ConstTensor x, long[] axes)
    {
        int r = x.Dims.Length + axes.Length;
        var norm = axes.Select(a => a < 0 ? a + r : a).ToHashSet();
        if (norm.Count != axes.Length || norm.Any(a => a < 0 || a >= r)) return null;
        var dims = new long[r];
        for (int a = 0, k = 0; a < r; a++) dims[a] = norm.Contains(a) ? 1 : x.Dims[k++];
        return x with { Dims = dims, Original = null };
    }

    static ConstTensor? Squeeze(ConstTensor x, long[]? axes)
    {
        int r = x.Dims.Length;
        var drop = axes is null
            ? Enumerable.Range(0, r).Where(a => x.Dims[a] == 1).Select(a => (long)a).ToHashSet()
            : axes.Select(a => a < 0 ? a + r : a).ToHashSet();
        if (drop.Any(a => a < 0 || a >= r || x.Dims[a] != 1)) return null;
        return x with { Dims = Enumerable.Range(0, r).Where(a => !drop.Contains(a)).Select(a => x.Dims[a]).ToArray(), Original = null };
    }
}
