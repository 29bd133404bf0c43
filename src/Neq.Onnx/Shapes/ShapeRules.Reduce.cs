using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Shapes;

// Reductions: the reduced axes become 1 (keepdims=1, the default) or disappear.
internal static partial class ShapeRules
{
    /// <summary>
    /// Reduce* whose 'axes' moved from attribute to input at <paramref name="axesInputSince"/>
    /// (13 for ReduceSum, 18 for the others). No axes: all axes, or none with noop_with_empty_axes.
    /// </summary>
    static ShapeRule Reduce(long axesInputSince) => c =>
    {
        var axes = c.IntsFrom("axes", 1, axesInputSince);
        bool keep = c.Int("keepdims", 1) != 0;
        if (c.Shape(0) is not { } x) { c.Out(0, c.Elem(0), null); return; }
        if (axes.Given && axes.Values is null) { c.Out(0, c.Elem(0), keep ? Unknowns(x.Count) : null); return; }
        if (axes.Values is not { Length: > 0 } && c.Opset >= axesInputSince && c.Int("noop_with_empty_axes", 0) != 0)
        {
            c.SameAs(0, 0);
            return;
        }
        var reduced = axes.Values is { Length: > 0 } listed
            ? listed.Select(a => DimMath.Axis(a, x.Count) ?? throw c.Error($"axis {a} is out of range for rank {x.Count}.")).ToHashSet()
            : Enumerable.Range(0, x.Count).ToHashSet();
        c.Out(0, c.Elem(0), Reduced(x, reduced, keep));
    };

    static Dim[] Reduced(IReadOnlyList<Dim> x, HashSet<int> axes, bool keep) =>
        x.Select((d, k) => (d, k)).Where(p => keep || !axes.Contains(p.k)).Select(p => axes.Contains(p.k) ? 1 : p.d).ToArray();

    /// <summary>ArgMax, ArgMin: one axis reduced, int64 output.</summary>
    static void ArgReduce(NodeContext c)
    {
        if (c.Shape(0) is not { } x) { c.Out(0, DataType.Int64, null); return; }
        int axis = DimMath.Axis(c.Int("axis", 0), x.Count) ?? throw c.Error($"axis {c.Int("axis", 0)} is out of range for rank {x.Count}.");
        c.Out(0, DataType.Int64, Reduced(x, [axis], c.Int("keepdims", 1) != 0));
    }

    /// <summary>TopK: values and int64 indices, 'axis' (default −1) cut to K ('k' attribute before opset 10, input after).</summary>
    static void TopK(NodeContext c)
    {
        if (c.Shape(0) is not { } x) { c.Out(0, c.Elem(0), null); c.Out(1, DataType.Int64, null); return; }
        int axis = DimMath.Axis(c.Int("axis", -1), x.Count) ?? throw c.Error($"axis {c.Int("axis", -1)} is out of range for rank {x.Count}.");
        Dim k = c.Opset < 10 ? c.Int("k", -1) is var a and >= 0 ? a : Dim.Unknown
            : c.Value(1)?.Ints is [var only] ? only : Dim.Unknown;
        if (k.Value is { } kv && x[axis].Value is { } d && kv > d) throw c.Error($"K = {kv} exceeds the axis size {d}.");
        var y = x.ToArray();
        y[axis] = k;
        c.Out(0, c.Elem(0), y);
        c.Out(1, DataType.Int64, y);
    }
}
