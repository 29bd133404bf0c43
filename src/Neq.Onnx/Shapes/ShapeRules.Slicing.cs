using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Shapes;

// Operators that cut, join, pick or pad along axes; all fold when their inputs are known.
internal static partial class ShapeRules
{
    /// <summary>Concat: sizes along 'axis' add up; every other axis must agree.</summary>
    static void Concat(NodeContext c)
    {
        var inputs = Enumerable.Range(0, c.InputCount).Where(c.Has).ToArray();
        var elem = inputs.Select(c.Elem).FirstOrDefault(t => t != DataType.Undefined);
        var shapes = inputs.Select(c.Shape).ToArray();
        var known = shapes.OfType<IReadOnlyList<Dim>>().ToArray();
        if (known.Length == 0) { c.Out(0, elem, null); return; }
        int rank = known[0].Count;
        if (known.Any(s => s.Count != rank)) throw c.Error($"inputs of ranks {string.Join(", ", known.Select(s => s.Count))} cannot be joined.");
        int axis = DimMath.Axis(c.Int("axis", 0), rank) ?? throw c.Error($"axis {c.Int("axis", 0)} is out of range for rank {rank}.");
        var y = new Dim[rank];
        for (int k = 0; k < rank; k++)
        {
            if (k == axis) { y[k] = known.Length == shapes.Length ? DimMath.Sum(known.Select(s => s[k])) : Dim.Unknown; continue; }
            Dim d = Dim.Unknown;
            foreach (var s in known)
                d = DimMath.Unify(d, s[k]) ?? throw c.Error($"inputs disagree on axis {k} ({string.Join(" vs ", known.Select(DimMath.Text))}).");
            y[k] = d;
        }
        c.Out(0, elem, y);
        var values = inputs.Select(c.Value).ToArray();
        if (values.All(v => v is not null) && DimMath.Known(y) is { } shape)
            c.Fold(0, Folded.Concat(values!, axis, shape));
    }

    /// <summary>
    /// Split along 'axis' into the sizes given ('split' attribute before opset 13, input after), or
    /// into equal parts (opset 18 'num_outputs': ⌈D/n⌉ each, the last one smaller).
    /// </summary>
    static void Split(NodeContext c)
    {
        int n = c.OutputCount;
        if (c.Shape(0) is not { } x) { for (int o = 0; o < n; o++) c.Out(o, c.Elem(0), null); return; }
        int axis = DimMath.Axis(c.Int("axis", 0), x.Count) ?? throw c.Error($"axis {c.Int("axis", 0)} is out of range for rank {x.Count}.");
        var split = c.IntsFrom("split", 1, sinceOpset: 13);
        long[]? sizes = split.Given ? split.Values
            : x[axis].Value is not { } d ? null
            : c.Opset >= 18 && c.Attr("num_outputs") is not null ? Chunks(d, n)
            : d % n == 0 ? Enumerable.Repeat(d / n, n).ToArray() : null;
        if (sizes is not null && sizes.Length != n) throw c.Error($"{sizes.Length} split sizes for {n} outputs.");
        if (sizes is not null && (sizes.Any(z => z < 0) || (x[axis].Value is { } total && sizes.Sum() != total)))
            throw c.Error($"split sizes [{string.Join(",", sizes)}] do not add up to axis {axis} of {DimMath.Text(x)}.");
        var v = c.Value(0);
        long offset = 0;
        for (int o = 0; o < n; o++)
        {
            var y = x.ToArray();
            y[axis] = sizes is null ? Dim.Unknown : sizes[o];
            c.Out(o, c.Elem(0), y);
            if (v is not null && sizes is not null) c.Fold(o, SliceOf(v, [axis], [Iota(sizes[o]).Select(i => offset + i).ToArray()]));
            offset += sizes?[o] ?? 0;
        }
    }

    static long[] Chunks(long d, int n)
    {
        long chunk = DimMath.CeilDiv(d, n);
        return Enumerable.Range(0, n).Select(i => Math.Clamp(d - i * chunk, 0, chunk)).ToArray();
    }

    /// <summary>
    /// Slice with starts/ends/axes/steps (attributes before opset 10, inputs after): negative
    /// indices count from the end, out-of-range ones clamp, negative steps walk backwards.
    /// </summary>
    static void Slice(NodeContext c)
    {
        bool attrs = c.Opset < 10;
        var starts = attrs ? c.IntsAttr("starts") : c.Ints(1);
        var ends = attrs ? c.IntsAttr("ends") : c.Ints(2);
        var axes = attrs ? c.IntsAttr("axes") : c.Has(3) ? c.Ints(3) : null;
        var steps = attrs ? null : c.Has(4) ? c.Ints(4) : null;
        if (c.Shape(0) is not { } x) { c.Out(0, c.Elem(0), null); return; }
        bool axesUnknown = !attrs && c.Has(3) && axes is null;
        if (starts is null || ends is null || axesUnknown || (!attrs && c.Has(4) && steps is null))
        {
            var unknownAxes = axes?.Select(a => DimMath.Axis(a, x.Count)).ToHashSet();
            c.Out(0, c.Elem(0), x.Select((d, k) => unknownAxes is null || unknownAxes.Contains(k) ? Dim.Unknown : d).ToArray());
            return;
        }
        axes ??= Iota(starts.Length);
        if (ends.Length != starts.Length || axes.Length != starts.Length || (steps is not null && steps.Length != starts.Length))
            throw c.Error("starts, ends, axes and steps differ in length.");
        var y = x.ToArray();
        var ranges = new (long Start, long Count, long Step)?[x.Count];
        for (int i = 0; i < starts.Length; i++)
        {
            int k = DimMath.Axis(axes[i], x.Count) ?? throw c.Error($"axis {axes[i]} is out of range for rank {x.Count}.");
            long step = steps?[i] ?? 1;
            if (step == 0) throw c.Error("a step is 0.");
            if (x[k].Value is { } d) { ranges[k] = SliceRange(d, starts[i], ends[i], step); y[k] = ranges[k]!.Value.Count; }
            else y[k] = step == 1 && starts[i] == 0 && ends[i] >= int.MaxValue ? x[k] : Dim.Unknown; // [0:∞] keeps a symbol
        }
        c.Out(0, c.Elem(0), y);
        if (c.Value(0) is { } v)
        {
            var axesCut = Enumerable.Range(0, x.Count).Where(k => ranges[k] is not null).ToArray();
            c.Fold(0, SliceOf(v, axesCut, axesCut.Select(k => ranges[k]!.Value).Select(r => Iota(r.Count).Select(i => r.Start + i * r.Step).ToArray()).ToArray()));
        }
    }

    /// <summary>First index, count and step of what a Slice keeps along an axis of size <paramref name="d"/>.</summary>
    static (long Start, long Count, long Step) SliceRange(long d, long start, long end, long step)
    {
        if (start < 0) start += d;
        if (end < 0) end += d;
        long count;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, d);
            end = Math.Clamp(end, 0, d);
            count = end > start ? DimMath.CeilDiv(end - start, step) : 0;
        }
        else
        {
            start = Math.Clamp(start, 0, d - 1);
            end = Math.Clamp(end, -1, d - 1);
            count = start > end ? DimMath.CeilDiv(start - end, -step) : 0;
        }
        return (start, count, step);
    }

    /// <summary>The sub-tensor keeping, along each of <paramref name="axes"/>, the listed indices.</summary>
    static Folded? SliceOf(Folded v, int[] axes, long[][] indices)
    {
        var map = v.Shape.Select(Iota).ToArray();
        for (int i = 0; i < axes.Length; i++) map[axes[i]] = indices[i];
        return v.Pick(map.Select(m => (long)m.Length).ToArray(), Folded.Positions(map, Folded.Strides(v.Shape)));
    }

    /// <summary>Gather: data[:axis] ++ indices.shape ++ data[axis+1:]; folds when the indices are known.</summary>
    static void Gather(NodeContext c)
    {
        if (c.Shape(0) is not { } data || c.Shape(1) is not { } idx) { c.Out(0, c.Elem(0), null); return; }
        int axis = DimMath.Axis(c.Int("axis", 0), data.Count) ?? throw c.Error($"axis {c.Int("axis", 0)} is out of range for rank {data.Count}.");
        Dim[] y = [.. data.Take(axis), .. idx, .. data.Skip(axis + 1)];
        c.Out(0, c.Elem(0), y);
        if (c.Value(0) is not { } v || c.Ints(1) is not { } indices || DimMath.Known(y) is not { } shape) return;
        long d = v.Shape[axis], inner = v.Shape.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        long outer = v.Shape.Take(axis).Aggregate(1L, (a, b) => a * b);
        if (indices.Any(i => i < -d || i >= d)) return; // out of range: not for us to fold
        var positions = new List<long>();
        for (long o = 0; o < outer; o++)
            foreach (var i in indices)
                for (long e = 0; e < inner; e++) positions.Add((o * d + (i < 0 ? i + d : i)) * inner + e);
        c.Fold(0, v.Pick(shape, [.. positions]));
    }

    /// <summary>GatherElements: the indices' shape.</summary>
    static void GatherElements(NodeContext c) => c.Out(0, c.Elem(0), c.Shape(1));

    /// <summary>GatherND: indices.shape[:-1] ++ data.shape[batch_dims + indices.shape[-1]:].</summary>
    static void GatherND(NodeContext c)
    {
        if (c.Shape(0) is not { } data || c.Shape(1) is not { Count: > 0 } idx || idx[^1].Value is not { } last) { c.Out(0, c.Elem(0), null); return; }
        c.Out(0, c.Elem(0), [.. idx.Take(idx.Count - 1), .. data.Skip((int)(c.Int("batch_dims", 0) + last))]);
    }

    /// <summary>Pad: D + begin + end per axis ('pads' attribute before opset 11, input after; 'axes' input since 18).</summary>
    static void Pad(NodeContext c)
    {
        var pads = c.Opset < 11 ? c.IntsAttr("pads") ?? c.IntsAttr("paddings") : c.Ints(1);
        if (c.Shape(0) is not { } x) { c.Out(0, c.Elem(0), null); return; }
        var axes = c.Opset >= 18 && c.Has(3) ? c.Ints(3) : Iota(x.Count);
        if (pads is null || axes is null) { c.Out(0, c.Elem(0), Unknowns(x.Count)); return; }
        if (pads.Length != 2 * axes.Length) throw c.Error($"{pads.Length} pads for {axes.Length} axes.");
        var y = x.ToArray();
        for (int i = 0; i < axes.Length; i++)
        {
            int k = DimMath.Axis(axes[i], x.Count) ?? throw c.Error($"axis {axes[i]} is out of range for rank {x.Count}.");
            long add = pads[i] + pads[i + axes.Length];
            y[k] = DimMath.Add(x[k], add);
        }
        c.Out(0, c.Elem(0), y);
    }

    /// <summary>Tile: D·repeats per axis.</summary>
    static void Tile(NodeContext c)
    {
        if (c.Shape(0) is not { } x) { c.Out(0, c.Elem(0), null); return; }
        if (c.Ints(1) is not { } repeats || repeats.Length != x.Count) { c.Out(0, c.Elem(0), Unknowns(x.Count)); return; }
        var y = x.Select((d, k) => DimMath.Mul(d, repeats[k])).ToArray();
        c.Out(0, c.Elem(0), y);
        if (c.Value(0) is { } v && DimMath.Known(y) is { } shape && Foldable(shape))
            c.Fold(0, v.Pick(shape, Folded.Positions(
                v.Shape.Select((d, k) => Enumerable.Range(0, (int)repeats[k]).SelectMany(_ => Iota(d)).ToArray()).ToArray(),
                Folded.Strides(v.Shape))));
    }
}
