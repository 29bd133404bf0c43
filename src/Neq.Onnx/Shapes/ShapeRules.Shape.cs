using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Shapes;

// Operators that read or rearrange shapes. Shape's output is kept as a (partial) folded value so
// that Gather/Concat/Reshape chains built from it resolve even when the batch axis is symbolic.
internal static partial class ShapeRules
{
    /// <summary>Shape: int64 [rank] (or the start:end slice of it since opset 15), its elements the input's dims.</summary>
    static void Shape(NodeContext c)
    {
        if (c.Shape(0) is not { } x) { c.Out(0, DataType.Int64, [Dim.Unknown]); return; }
        int start = 0, end = x.Count;
        if (c.Opset >= 15)
        {
            start = (int)Math.Clamp(Wrap(c.Int("start", 0), x.Count), 0, x.Count);
            end = (int)Math.Clamp(Wrap(c.Int("end", x.Count), x.Count), start, x.Count);
        }
        var dims = x.Skip(start).Take(end - start).ToArray();
        c.Out(0, DataType.Int64, [dims.Length]);
        c.Fold(0, Folded.Vector(dims));
    }

    static long Wrap(long axis, int rank) => axis < 0 ? axis + rank : axis;

    /// <summary>Size: int64 scalar, the element count.</summary>
    static void Size(NodeContext c)
    {
        c.Out(0, DataType.Int64, []);
        if (c.Shape(0) is { } x && DimMath.Product(x) is { IsKnown: true } n)
            c.Fold(0, Folded.OfInts(DataType.Int64, [], [n]));
    }

    /// <summary>
    /// Reshape: 0 copies the input's size (unless allowzero, opset 14+), −1 takes what is left of
    /// the element count. A shape element that is a symbol (from Shape of a symbolic input) stays
    /// that symbol; the −1 is resolved by cancelling symbols common to input and output.
    /// </summary>
    static void Reshape(NodeContext c)
    {
        var x = c.Shape(0);
        var target = c.Opset < 5 ? c.IntsAttr("shape")?.Select(Dim.Of).ToArray() : c.Value(1)?.Ints;
        if (target is null)
        {
            c.Out(0, c.Elem(0), c.Shape(1) is [{ Value: { } rank }] ? UnknownsOfRank(rank) : null);
            return;
        }
        bool allowZero = c.Opset >= 14 && c.Int("allowzero", 0) != 0;
        var y = new Dim[target.Length];
        int infer = -1;
        for (int k = 0; k < y.Length; k++)
        {
            var t = target[k];
            if (t.Value == 0 && !allowZero) y[k] = x is not null && k < x.Count ? x[k] : Dim.Unknown;
            else if (t.Value == -1) { if (infer >= 0) throw c.Error("the shape has two −1 entries."); infer = k; y[k] = Dim.Unknown; }
            else if (t.Value < 0) throw c.Error($"shape entry {t.Value} is invalid.");
            else y[k] = t;
        }
        if (infer >= 0 && x is not null) y[infer] = Remainder(x, y.Where((_, k) => k != infer));
        else if (infer < 0 && DimMath.Known(x) is { } xs && DimMath.Known(y) is { } ys && xs.Aggregate(1L, (a, b) => a * b) != ys.Aggregate(1L, (a, b) => a * b))
            throw c.Error($"cannot reshape {DimMath.Text(x)} to {DimMath.Text(y)}.");
        c.Out(0, c.Elem(0), y);
        c.FoldReshaped(0, 0, y);
    }

    /// <summary>
    /// The size that makes <paramref name="rest"/>·result equal the product of <paramref name="all"/>:
    /// known factors divide, symbols cancel pairwise; one symbol left over on the input side with
    /// a known ratio of 1 is the result itself. Unknown otherwise.
    /// </summary>
    static Dim Remainder(IReadOnlyList<Dim> all, IEnumerable<Dim> rest)
    {
        long num = 1, den = 1;
        var symbols = new List<string>();
        foreach (var d in all)
        {
            if (d.Value is { } v) num *= v;
            else if (d.Symbol is { } s) symbols.Add(s);
            else return Dim.Unknown;
        }
        foreach (var d in rest)
        {
            if (d.Value is { } v) den *= v;
            else if (d.Symbol is not { } s || !symbols.Remove(s)) return Dim.Unknown;
        }
        if (den == 0 || num % den != 0) return Dim.Unknown;
        if (symbols.Count == 0) return num / den;
        return symbols.Count == 1 && num == den ? Dim.Sym(symbols[0]) : Dim.Unknown;
    }

    /// <summary>Flatten: [∏ d[..axis], ∏ d[axis..]].</summary>
    static void Flatten(NodeContext c)
    {
        if (c.Shape(0) is not { } x) { c.Out(0, c.Elem(0), Unknowns(2)); return; }
        var axis = c.Int("axis", 1);
        if (axis < 0) axis += x.Count;
        if (axis < 0 || axis > x.Count) throw c.Error($"axis {c.Int("axis", 1)} is out of range for rank {x.Count}.");
        Dim[] y = [DimMath.Product(x.Take((int)axis)), DimMath.Product(x.Skip((int)axis))];
        c.Out(0, c.Elem(0), y);
        c.FoldReshaped(0, 0, y);
    }

    /// <summary>Squeeze: drops the listed axes (attribute before opset 13), or every axis known to be 1.</summary>
    static void Squeeze(NodeContext c)
    {
        var axes = c.IntsFrom("axes", 1, sinceOpset: 13);
        if (c.Shape(0) is not { } x || (axes.Given && axes.Values is null)) { c.Out(0, c.Elem(0), null); return; }
        var drop = new HashSet<int>();
        if (axes.Values is { Length: > 0 } listed)
            foreach (var a in listed)
            {
                int k = DimMath.Axis(a, x.Count) ?? throw c.Error($"axis {a} is out of range for rank {x.Count}.");
                if (x[k].Value is { } v && v != 1) throw c.Error($"axis {a} has size {v}, not 1.");
                drop.Add(k);
            }
        else if (x.Any(d => !d.IsKnown)) { c.Out(0, c.Elem(0), null); return; } // any unknown axis might be 1
        else drop.UnionWith(Enumerable.Range(0, x.Count).Where(k => x[k].Value == 1));
        var y = x.Where((_, k) => !drop.Contains(k)).ToArray();
        c.Out(0, c.Elem(0), y);
        c.FoldReshaped(0, 0, y);
    }

    /// <summary>Unsqueeze: inserts size-1 axes at the listed output positions (attribute before opset 13).</summary>
    static void Unsqueeze(NodeContext c)
    {
        var axes = c.IntsFrom("axes", 1, sinceOpset: 13).Values;
        if (c.Shape(0) is not { } x || axes is null) { c.Out(0, c.Elem(0), null); return; }
        int rank = x.Count + axes.Length;
        var inserted = new HashSet<int>();
        foreach (var a in axes)
            if (DimMath.Axis(a, rank) is not { } k || !inserted.Add(k)) throw c.Error($"axis {a} is out of range or repeated for output rank {rank}.");
        var y = new Dim[rank];
        for (int k = 0, from = 0; k < rank; k++) y[k] = inserted.Contains(k) ? 1 : x[from++];
        c.Out(0, c.Elem(0), y);
        c.FoldReshaped(0, 0, y);
    }

    /// <summary>Transpose: output axis k is input axis perm[k] (perm defaults to reversing the axes).</summary>
    static void Transpose(NodeContext c)
    {
        if (c.Shape(0) is not { } x) { c.Out(0, c.Elem(0), null); return; }
        var perm = c.IntsAttr("perm") ?? Enumerable.Range(0, x.Count).Reverse().Select(k => (long)k).ToArray();
        if (perm.Length != x.Count || perm.Any(p => p < 0 || p >= x.Count) || perm.Distinct().Count() != perm.Length)
            throw c.Error($"perm [{string.Join(",", perm)}] is not a permutation of {x.Count} axes.");
        var y = perm.Select(p => x[(int)p]).ToArray();
        c.Out(0, c.Elem(0), y);
        if (c.Value(0) is { } v)
        {
            var strides = Folded.Strides(v.Shape);
            c.Fold(0, v.Pick(perm.Select(p => v.Shape[p]).ToArray(),
                Folded.Positions(perm.Select(p => Iota(v.Shape[p])).ToArray(), perm.Select(p => strides[p]).ToArray(), c.MaxElements)));
        }
    }

    /// <summary>Expand: the broadcast of the input's shape and the shape value (whose elements may be symbolic).</summary>
    static void Expand(NodeContext c)
    {
        var x = c.Shape(0);
        var target = c.Value(1)?.Ints;
        if (x is null || target is null) { c.Out(0, c.Elem(0), c.Shape(1) is [{ Value: { } r }] && x is not null ? UnknownsOfRank(Math.Max(r, x.Count)) : null); return; }
        var y = DimMath.Broadcast(x, target) ?? throw c.Error($"{DimMath.Text(x)} cannot expand to {DimMath.Text(target)}.");
        c.Out(0, c.Elem(0), y);
        if (c.Value(0) is { } v && DimMath.Known(y) is { } ys)
            c.Fold(0, v.Pick(ys, BroadcastPositions(v.Shape, ys)));
    }
}
