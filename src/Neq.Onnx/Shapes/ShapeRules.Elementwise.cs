using Neq.Onnx.Ir;
using AttributeType = Neq.Onnx.Ir.AttributeProto.Types.AttributeType;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Shapes;

// Elementwise operators: activations keep their input's type; arithmetic and comparisons
// broadcast all inputs (numpy rules, see DimMath.Broadcast); Cast changes the element type.
internal static partial class ShapeRules
{
    /// <summary>Same type and shape as input 0 (activations, Softmax, Clip, Erf…; Clip's and PRelu's extra inputs do not change it).</summary>
    static void Unary(NodeContext c) => c.SameAs(0, 0);

    /// <summary>Bool tensor of input 0's shape (Not, IsNaN, IsInf).</summary>
    static void UnaryBool(NodeContext c) => c.Out(0, DataType.Bool, c.Shape(0));

    /// <summary>Identity: the input's type; a constant input of any size stays constant (its data shared, not copied).</summary>
    static void Identity(NodeContext c)
    {
        c.SameAs(0, 0);
        if (c.ConstantProto(0) is { } t)
        {
            var copy = t.Clone();
            copy.Name = c.Node.Output[0];
            c.Constant(0, copy);
        }
        else c.Fold(0, c.Value(0));
    }

    /// <summary>Output 0 like the input; the mask is bool since opset 10, the input's type before.</summary>
    static void Dropout(NodeContext c)
    {
        c.SameAs(0, 0);
        c.Out(1, c.Opset >= 10 ? DataType.Bool : c.Elem(0), c.Shape(0));
    }

    /// <summary>Cast: 'to' is a type number, or (Cast-1) a type name such as "FLOAT".</summary>
    static void Cast(NodeContext c)
    {
        var to = c.Attr("to") switch
        {
            { Type: AttributeType.String } a => Enum.TryParse<DataType>(a.S.ToStringUtf8().Replace("_", ""), ignoreCase: true, out var t) ? t : DataType.Undefined,
            { } a => (DataType)a.I,
            null => DataType.Undefined,
        };
        c.Out(0, to, c.Shape(0));
        c.Fold(0, c.Value(0)?.CastTo(to));
    }

    static void CastLike(NodeContext c)
    {
        c.Out(0, c.Elem(1), c.Shape(0));
        c.Fold(0, c.Value(0)?.CastTo(c.Elem(1)));
    }

    /// <summary>QuantizeLinear: X's shape, the zero point's type ('output_dtype' since opset 21), uint8 by default.</summary>
    static void QuantizeLinear(NodeContext c) =>
        c.Out(0, c.Has(2) ? c.Elem(2) : c.Attr("output_dtype") is { I: > 0 } a ? (DataType)a.I : DataType.Uint8, c.Shape(0));

    /// <summary>DequantizeLinear: X's shape, the scale's type.</summary>
    static void DequantizeLinear(NodeContext c) => c.Out(0, c.Elem(1), c.Shape(0));

    /// <summary>Broadcast of all inputs' shapes; before opset 7 (legacy, one-way broadcast) input 0's shape.</summary>
    static IReadOnlyList<Dim>? Broadcast(NodeContext c)
    {
        if (c.Opset < 7) return c.Shape(0);
        IReadOnlyList<Dim>? shape = null;
        for (int i = 0; i < c.InputCount; i++)
        {
            if (!c.Has(i)) continue;
            if (c.Shape(i) is not { } s) return null;
            shape = shape is null ? s : DimMath.Broadcast(shape, s)
                ?? throw c.Error($"input shapes {DimMath.Text(shape)} and {DimMath.Text(s)} do not broadcast.");
        }
        return shape;
    }

    /// <summary>Arithmetic on broadcast inputs (Pow, Mod, Max, Min, Sum, Mean, BitShift…): type of input 0.</summary>
    static void Broadcasting(NodeContext c) => c.Out(0, c.Elem(0), Broadcast(c));

    /// <summary>Comparisons and logic (Equal, Less, Greater, And, Or, Xor): bool output.</summary>
    static void Comparison(NodeContext c) => c.Out(0, DataType.Bool, Broadcast(c));

    /// <summary>Where(condition, x, y): the broadcast of all three, type of x.</summary>
    static void Where(NodeContext c) => c.Out(0, c.Elem(1), Broadcast(c));

    /// <summary>Add/Sub/Mul/Div: broadcast, and folded when both inputs are known (partially, for integer shape values).</summary>
    static ShapeRule Arithmetic(Func<Dim, Dim, Dim> onInts, Func<double, double, double> onReals) => c =>
    {
        var shape = Broadcast(c);
        c.Out(0, c.Elem(0), shape);
        if (c.Value(0) is not { } a || c.Value(1) is not { } b || DimMath.Known(shape) is not { } outShape) return;
        if (BroadcastPositions(a.Shape, outShape) is not { } pa || BroadcastPositions(b.Shape, outShape) is not { } pb) return;
        if (a.Ints is { } ai && b.Ints is { } bi)
            c.Fold(0, Folded.OfInts(a.ElemType, outShape, pa.Select((p, e) => onInts(ai[p], bi[pb[e]])).ToArray()));
        else if (a.Reals is { } ar && b.Reals is { } br)
            c.Fold(0, Folded.OfReals(a.ElemType, outShape, pa.Select((p, e) => onReals(ar[p], br[pb[e]])).ToArray()));
    };

    /// <summary>For each element of a tensor of <paramref name="outShape"/>, the position read from a tensor of <paramref name="shape"/> broadcast to it.</summary>
    static long[]? BroadcastPositions(long[] shape, long[] outShape)
    {
        if (!Foldable(outShape)) return null;
        var map = new long[outShape.Length][];
        var strides = new long[outShape.Length];
        var own = Folded.Strides(shape);
        int lead = outShape.Length - shape.Length;
        for (int k = 0; k < outShape.Length; k++)
        {
            bool stretched = k < lead || shape[k - lead] != outShape[k];
            map[k] = stretched ? new long[outShape[k]] : Iota(outShape[k]);
            strides[k] = k < lead ? 0 : own[k - lead];
        }
        return Folded.Positions(map, strides);
    }

    /// <summary>True when a tensor of this shape is small enough to fold.</summary>
    static bool Foldable(long[] shape)
    {
        double n = 1;
        foreach (var d in shape) n *= d;
        return n <= Folded.MaxElements;
    }

    static long[] Iota(long n) => Enumerable.Range(0, checked((int)n)).Select(i => (long)i).ToArray();
}
