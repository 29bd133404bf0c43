using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using AttributeType = Neq.Onnx.Ir.AttributeProto.Types.AttributeType;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Shapes;

// Operators that make tensors from attributes or shape values: Constant, ConstantOfShape, Range,
// and NonZero (whose size depends on data).
internal static partial class ShapeRules
{
    /// <summary>Constant: value (tensor), value_float(s), value_int(s); strings and sparse values give a type only.</summary>
    static void Constant(NodeContext c)
    {
        var a = c.Node.Attribute.FirstOrDefault(x => x.Name.StartsWith("value", StringComparison.Ordinal) || x.Name == "sparse_value");
        var name = c.Node.Output.FirstOrDefault() ?? "";
        TensorProto? tensor = a?.Name switch
        {
            "value" => a.T?.Clone(),
            "value_float" => Tensors.FloatScalar(name, a.F),
            "value_floats" => Tensors.Float(name, [a.Floats.Count], a.Floats.ToArray()),
            "value_int" => Tensors.Int64(name, [], [a.I]),
            "value_ints" => Tensors.Int64Vector(name, [.. a.Ints]),
            _ => null,
        };
        if (tensor is not null) { tensor.Name = name; c.Constant(0, tensor); return; }
        if (a?.Name == "value_string") c.Out(0, DataType.String, []);
        else if (a?.Name == "value_strings") c.Out(0, DataType.String, [a.Strings.Count]);
        else if (a?.Name == "sparse_value" && a.SparseTensor?.Values is { } values)
            c.Out(0, (DataType)values.DataType, a.SparseTensor.Dims.Select(Dim.Of).ToArray());
    }

    /// <summary>ConstantOfShape: the shape is input 0's value (a symbolic element becomes a symbolic dim); type of the 'value' tensor, float by default.</summary>
    static void ConstantOfShape(NodeContext c)
    {
        var fill = c.Attr("value") is { Type: AttributeType.Tensor } a ? a.T : null;
        var elem = fill is null ? DataType.Float : (DataType)fill.DataType;
        var shape = c.Value(0)?.Ints;
        if (shape is null) { c.Out(0, elem, c.Shape(0) is [{ Value: { } rank }] ? UnknownsOfRank(rank) : null); return; }
        c.Out(0, elem, shape);
        if (DimMath.Known(shape) is not { } dims || !Foldable(dims)) return;
        long n = dims.Aggregate(1L, (x, y) => x * y);
        var one = fill is null ? Folded.OfReals(DataType.Float, [], [0]) : Folded.FromProto(fill);
        if (one is { Count: 1 }) c.Fold(0, one.WithShape([1]).Pick(dims, new long[n]));
    }

    /// <summary>Range(start, limit, delta): 1-D of max(⌈(limit − start) / delta⌉, 0) elements, folded when known.</summary>
    static void Range(NodeContext c)
    {
        var elem = c.Elem(0);
        c.Out(0, elem, [Dim.Unknown]);
        if (c.Value(0) is { Ints: [var s] } && c.Value(1) is { Ints: [var l] } && c.Value(2) is { Ints: [var d] })
        {
            if (s.Value is { } start && l.Value is { } limit && d.Value is { } delta && delta != 0)
            {
                long n = Math.Max(DimMath.CeilDiv(limit - start, delta), 0);
                c.Out(0, elem, [n]);
                if (n <= Folded.MaxElements) c.Fold(0, Folded.OfInts(elem, [n], Iota(n).Select(i => Dim.Of(start + i * delta)).ToArray()));
            }
            else if (s.Value == 0 && d.Value == 1) c.Out(0, elem, [l]); // Range(0, N, 1) has N elements
        }
        else if (c.Reals(0) is [var rs] && c.Reals(1) is [var rl] && c.Reals(2) is [var rd] && rd != 0)
        {
            long n = (long)Math.Max(Math.Ceiling((rl - rs) / rd), 0);
            c.Out(0, elem, [n]);
            if (n <= Folded.MaxElements) c.Fold(0, Folded.OfReals(elem, [n], Iota(n).Select(i => rs + i * rd).ToArray()));
        }
    }

    /// <summary>NonZero: int64 [rank, number of non-zeros], the latter unknown.</summary>
    static void NonZero(NodeContext c) => c.Out(0, DataType.Int64, c.Rank(0) is { } r ? [r, Dim.Unknown] : [Dim.Unknown, Dim.Unknown]);

    /// <summary>EyeLike: input's shape, 'dtype' or the input's type.</summary>
    static void EyeLike(NodeContext c) => c.Out(0, c.Attr("dtype") is { } d ? (DataType)d.I : c.Elem(0), c.Shape(0));
}
