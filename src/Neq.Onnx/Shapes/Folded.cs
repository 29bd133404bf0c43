using System.Runtime.InteropServices;
using Google.Protobuf;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Shapes;

/// <summary>
/// A small tensor whose elements are known while the graph is built. Integer and bool tensors keep
/// their elements as <see cref="Dim"/>s, so that a value derived from Shape can hold a symbolic
/// element (the batch size "N") next to known ones; such a value is "partial" and never becomes a
/// constant, but Reshape, Expand and ConstantOfShape read it as a shape. Floating-point tensors
/// keep exact doubles (rounded to their element type). Elements are in row-major order. This is
/// the project's one constant folder: shape inference folds shape arithmetic with it, and
/// Neurons/ConstantChain folds the constant chains exporters put in front of weights by running
/// the same shape rules with a larger size limit.
/// </summary>
internal sealed class Folded
{
    /// <summary>
    /// Larger tensors are not folded by default: shape inference folds shape arithmetic, not
    /// weights (<see cref="InferenceState.MaxElements"/> raises the limit for weight chains).
    /// </summary>
    public const long MaxElements = 1 << 16;

    public DataType ElemType { get; }
    public long[] Shape { get; }
    /// <summary>Elements of an integer or bool tensor; null for a floating-point one.</summary>
    public Dim[]? Ints { get; }
    /// <summary>Elements of a floating-point tensor; null for an integer one.</summary>
    public double[]? Reals { get; }

    Folded(DataType elemType, long[] shape, Dim[]? ints, double[]? reals)
    {
        ElemType = elemType; Shape = shape; Ints = ints; Reals = reals;
    }

    public int Count => Ints?.Length ?? Reals!.Length;
    public bool IsFullyKnown => Reals is not null || Ints!.All(d => d.IsKnown);
    public IReadOnlyList<Dim> ShapeDims => Shape.Select(Dim.Of).ToArray();

    public static bool IsIntegral(DataType t) => t is DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8
        or DataType.Uint64 or DataType.Uint32 or DataType.Uint16 or DataType.Uint8 or DataType.Bool;

    public static bool IsReal(DataType t) => t is DataType.Float or DataType.Double or DataType.Float16;

    public static Folded OfInts(DataType type, long[] shape, Dim[] elements) => new(type, shape, elements, null);

    public static Folded OfReals(DataType type, long[] shape, double[] elements) => new(type, shape, null, RoundTo(type, elements));

    /// <summary>A 1-D int64 vector (the form of Shape's output), elements possibly symbolic.</summary>
    public static Folded Vector(IReadOnlyList<Dim> elements) => OfInts(DataType.Int64, [elements.Count], [.. elements]);

    /// <summary>
    /// Reads a tensor; null when its type is not foldable, its data is external or malformed, or it
    /// has more than <paramref name="maxElements"/> elements.
    /// </summary>
    public static Folded? FromProto(TensorProto t, long maxElements = MaxElements)
    {
        var type = (DataType)t.DataType;
        if (t.DataLocation == TensorProto.Types.DataLocation.External || t.Dims.Any(d => d < 0)) return null;
        long n = t.ElementCount();
        if (n > maxElements) return null;
        long[] shape = [.. t.Dims];
        if (IsIntegral(type))
        {
            var values = t.ToInt64Array();
            if (type == DataType.Bool) values = Array.ConvertAll(values, v => v != 0 ? 1L : 0L);
            return values.Length == n ? OfInts(type, shape, Array.ConvertAll(values, Dim.Of)) : null;
        }
        if (type == DataType.Float16)
        {
            // float16 lives in raw_data, or as its bit patterns in int32_data.
            var values = t.HasRawData
                ? Array.ConvertAll(MemoryMarshal.Cast<byte, Half>(t.RawData.Span).ToArray(), x => (double)x)
                : t.Int32Data.Select(bits => (double)BitConverter.UInt16BitsToHalf((ushort)bits)).ToArray();
            return values.Length == n ? OfReals(type, shape, values) : null;
        }
        if (IsReal(type))
        {
            var values = t.ToDoubleArray();
            return values.Length == n ? OfReals(type, shape, values) : null;
        }
        return null;
    }

    /// <summary>The tensor as a constant named <paramref name="name"/>; null while any element is not a number.</summary>
    public TensorProto? ToProto(string name)
    {
        if (!IsFullyKnown) return null;
        var t = new TensorProto { Name = name, DataType = (int)ElemType };
        t.Dims.Add(Shape);
        if (Reals is { } r)
        {
            t.RawData = ElemType switch
            {
                DataType.Float => ByteString.CopyFrom(MemoryMarshal.AsBytes<float>(Array.ConvertAll(r, x => (float)x))),
                DataType.Float16 => ByteString.CopyFrom(MemoryMarshal.AsBytes<Half>(Array.ConvertAll(r, x => (Half)x))),
                _ => ByteString.CopyFrom(MemoryMarshal.AsBytes<double>(r)),
            };
            return t;
        }
        var v = Array.ConvertAll(Ints!, d => d.Value!.Value);
        t.RawData = ElemType switch
        {
            DataType.Int64 or DataType.Uint64 => ByteString.CopyFrom(MemoryMarshal.AsBytes<long>(v)),
            DataType.Int32 or DataType.Uint32 => ByteString.CopyFrom(MemoryMarshal.AsBytes<int>(Array.ConvertAll(v, x => (int)x))),
            DataType.Int16 or DataType.Uint16 => ByteString.CopyFrom(MemoryMarshal.AsBytes<short>(Array.ConvertAll(v, x => (short)x))),
            _ => ByteString.CopyFrom(Array.ConvertAll(v, x => (byte)x)),
        };
        return t;
    }

    /// <summary>The same elements under another shape (Reshape, Flatten, Squeeze, Unsqueeze, Identity).</summary>
    public Folded WithShape(long[] shape) => new(ElemType, shape, Ints, Reals);

    /// <summary>The elements at the given flat source positions, laid out as <paramref name="shape"/>.</summary>
    public Folded? Pick(long[] shape, long[]? positions) => positions is null ? null :
        new(ElemType, shape, Ints is { } i ? Array.ConvertAll(positions, p => i[p]) : null,
            Reals is { } r ? Array.ConvertAll(positions, p => r[p]) : null);

    /// <summary>
    /// Flat source positions of every output element, where output axis k at coordinate i reads
    /// source coordinate <c>map[k][i]</c> along a source axis of stride <c>strides[k]</c>: one form for
    /// Slice, Transpose, Expand, Tile and broadcasting. Null when the output would have more than
    /// <paramref name="maxElements"/> elements.
    /// </summary>
    public static long[]? Positions(long[][] map, long[] strides, long maxElements = MaxElements)
    {
        long n = 1;
        foreach (var m in map) n *= m.Length;
        if (n > maxElements) return null;
        var result = new long[n];
        var index = new int[map.Length];
        for (long e = 0; e < n; e++)
        {
            long p = 0;
            for (int k = 0; k < map.Length; k++) p += map[k][index[k]] * strides[k];
            result[e] = p;
            for (int k = map.Length - 1; k >= 0; k--)
            {
                if (++index[k] < map[k].Length) break;
                index[k] = 0;
            }
        }
        return result;
    }

    /// <summary>Row-major strides of <paramref name="shape"/>.</summary>
    public static long[] Strides(long[] shape)
    {
        var s = new long[shape.Length];
        long acc = 1;
        for (int k = shape.Length - 1; k >= 0; k--) { s[k] = acc; acc *= shape[k]; }
        return s;
    }

    /// <summary>Joins tensors of one element type along <paramref name="axis"/> (Concat); null if types differ.</summary>
    public static Folded? Concat(IReadOnlyList<Folded> parts, int axis, long[] shape)
    {
        var type = parts[0].ElemType;
        if (parts.Any(p => p.ElemType != type)) return null;
        long outer = 1;
        for (int k = 0; k < axis; k++) outer *= shape[k];
        var order = new List<(int Part, long Index)>();
        for (long o = 0; o < outer; o++)
            for (int p = 0; p < parts.Count; p++)
            {
                long block = parts[p].Count / Math.Max(outer, 1);
                for (long e = 0; e < block; e++) order.Add((p, o * block + e));
            }
        return new(type, shape,
            parts[0].Ints is null ? null : order.Select(x => parts[x.Part].Ints![x.Index]).ToArray(),
            parts[0].Reals is null ? null : order.Select(x => parts[x.Part].Reals![x.Index]).ToArray());
    }

    /// <summary>Converts the elements as Cast does (truncation toward zero, wrap-around for narrow integers); null when it cannot.</summary>
    public Folded? CastTo(DataType to)
    {
        if (IsReal(to))
        {
            if (Reals is { } r) return OfReals(to, Shape, r);
            return IsFullyKnown ? OfReals(to, Shape, Array.ConvertAll(Ints!, d => (double)d.Value!.Value)) : null;
        }
        if (!IsIntegral(to)) return null;
        if (Reals is { } reals)
        {
            if (reals.Any(x => !double.IsFinite(x) || Math.Abs(x) >= 9.2e18)) return null;
            return OfInts(to, Shape, Array.ConvertAll(reals, x => Dim.Of(Wrap(to, (long)x))));
        }
        // A symbolic element stays symbolic: a dimension fits every integer type exporters cast to.
        return OfInts(to, Shape, Array.ConvertAll(Ints!, d => d.Value is { } v ? Dim.Of(Wrap(to, v)) : to == DataType.Bool ? Dim.Unknown : d));
    }

    static long Wrap(DataType to, long v) => to switch
    {
        DataType.Int32 => (int)v,
        DataType.Int16 => (short)v,
        DataType.Int8 => (sbyte)v,
        DataType.Uint32 => (uint)v,
        DataType.Uint16 => (ushort)v,
        DataType.Uint8 => (byte)v,
        DataType.Bool => v != 0 ? 1 : 0,
        _ => v,
    };

    static double[] RoundTo(DataType type, double[] values) => type switch
    {
        DataType.Float => Array.ConvertAll(values, x => (double)(float)x),
        DataType.Float16 => Array.ConvertAll(values, x => (double)(Half)x),
        _ => values,
    };
}
