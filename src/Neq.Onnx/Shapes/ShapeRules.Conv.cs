using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Shapes;

// Convolution and pooling. Shape legend: X [N, C, D1..Dn], W [M, C/group, k1..kn] (Conv) or
// [C, M/group, k1..kn] (ConvTranspose), Y [N, M, O1..On].
internal static partial class ShapeRules
{
    static void Conv(NodeContext c)
    {
        var x = c.Shape(0);
        var w = c.Shape(1);
        if (x is null || x.Count < 3) { c.Out(0, c.Elem(0), x is null ? null : Unknowns(x.Count)); return; }
        int n = x.Count - 2;
        if (w is not null && w.Count != n + 2) throw c.Error($"weight of rank {w.Count} for an input of rank {x.Count}.");
        long group = c.Int("group", 1);
        if (w is not null && x[1].Value is { } channels && w[1].Value is { } perGroup && channels != perGroup * group)
            throw c.Error($"input has {channels} channels but the weight expects {perGroup} × group {group}.");
        var kernel = c.IntsAttr("kernel_shape") ?? DimMath.Known(w?.Skip(2).ToArray());
        c.Out(0, c.Elem(0), [x[0], w?[0] ?? Dim.Unknown, .. Sliding(c, x, kernel, ceil: false)]);
    }

    /// <summary>ConvTranspose: O = s·(D−1) + output_padding + (k−1)·d + 1 − pads, or D·s with SAME, or output_shape.</summary>
    static void ConvTranspose(NodeContext c)
    {
        var x = c.Shape(0);
        var w = c.Shape(1);
        if (x is null || x.Count < 3) { c.Out(0, c.Elem(0), x is null ? null : Unknowns(x.Count)); return; }
        int n = x.Count - 2;
        if (w is not null && w.Count != n + 2) throw c.Error($"weight of rank {w.Count} for an input of rank {x.Count}.");
        if (w is not null && x[1].Value is { } channels && w[0].Value is { } wc && channels != wc)
            throw c.Error($"input has {channels} channels but the weight has {wc}.");
        long group = c.Int("group", 1);
        var kernel = c.IntsAttr("kernel_shape") ?? DimMath.Known(w?.Skip(2).ToArray());
        var strides = c.IntsAttr("strides") ?? Ones(n);
        var dilations = c.IntsAttr("dilations") ?? Ones(n);
        var outPad = c.IntsAttr("output_padding") ?? new long[n];
        var pads = c.IntsAttr("pads") ?? new long[2 * n];
        var outputShape = c.IntsAttr("output_shape");
        var autoPad = c.Str("auto_pad", "NOTSET");
        var spatial = new Dim[n];
        for (int k = 0; k < n; k++)
        {
            if (outputShape is { Length: > 0 }) spatial[k] = outputShape[outputShape.Length - n + k];
            else if (autoPad is "SAME_UPPER" or "SAME_LOWER") spatial[k] = DimMath.Map(x[k + 2], d => d * strides[k]);
            else if (kernel is null) spatial[k] = Dim.Unknown;
            else
            {
                long effective = (kernel[k] - 1) * dilations[k] + 1;
                long padding = autoPad == "VALID" ? 0 : pads[k] + pads[k + n];
                spatial[k] = DimMath.Map(x[k + 2], d => strides[k] * (d - 1) + outPad[k] + effective - padding);
            }
        }
        c.Out(0, c.Elem(0), [x[0], w is null ? Dim.Unknown : DimMath.Mul(w[1], group), .. spatial]);
    }

    /// <summary>MaxPool, AveragePool, LpPool: kernel_shape is an attribute; MaxPool's Indices output is int64.</summary>
    static void Pool(NodeContext c)
    {
        var x = c.Shape(0);
        IReadOnlyList<Dim>? y = x is null ? null
            : x.Count < 3 ? Unknowns(x.Count)
            : [x[0], x[1], .. Sliding(c, x, c.IntsAttr("kernel_shape"), ceil: c.Int("ceil_mode", 0) != 0)];
        c.Out(0, c.Elem(0), y);
        c.Out(1, DataType.Int64, y);
    }

    /// <summary>GlobalAveragePool, GlobalMaxPool, GlobalLpPool: [N, C, 1, …, 1].</summary>
    static void GlobalPool(NodeContext c)
    {
        var x = c.Shape(0);
        c.Out(0, c.Elem(0), x is null ? null : x.Select((d, k) => k < 2 ? d : 1).ToArray());
    }

    /// <summary>
    /// Output sizes of a sliding window over X's spatial axes. NOTSET: ⌊(D + pads − ((k−1)·d+1)) / s⌋ + 1
    /// (⌈⌉ with ceil_mode, dropping a last window that would start in the end padding);
    /// SAME_UPPER/SAME_LOWER: ⌈D / s⌉; VALID: as NOTSET with zero pads.
    /// </summary>
    static Dim[] Sliding(NodeContext c, IReadOnlyList<Dim> x, long[]? kernel, bool ceil)
    {
        int n = x.Count - 2;
        if (kernel is null || kernel.Length != n) return Unknowns(n);
        var strides = c.IntsAttr("strides") ?? Ones(n);
        var dilations = c.IntsAttr("dilations") ?? Ones(n);
        var pads = c.IntsAttr("pads") ?? new long[2 * n];
        var autoPad = c.Str("auto_pad", "NOTSET");
        var result = new Dim[n];
        for (int k = 0; k < n; k++)
        {
            if (x[k + 2].Value is not { } d) { result[k] = Dim.Unknown; continue; }
            long s = strides[k];
            if (autoPad is "SAME_UPPER" or "SAME_LOWER") { result[k] = DimMath.CeilDiv(d, s); continue; }
            long begin = autoPad == "VALID" ? 0 : pads[k];
            long span = d + begin + (autoPad == "VALID" ? 0 : pads[k + n]) - ((kernel[k] - 1) * dilations[k] + 1);
            long o = (ceil ? DimMath.CeilDiv(span, s) : DimMath.FloorDiv(span, s)) + 1;
            if (ceil && (o - 1) * s >= d + begin) o--;
            if (o < 0) throw c.Error($"the window of axis {k + 2} ({kernel[k]}, dilation {dilations[k]}) does not fit the padded input of size {d}.");
            result[k] = o;
        }
        return result;
    }

    static Dim[] Unknowns(int rank) => Enumerable.Repeat(Dim.Unknown, rank).ToArray();

    /// <summary>
    /// Unknown sizes for a rank read from a value (the length of a shape input); null for a rank
    /// no real tensor has, so that a malformed graph cannot make inference allocate without bound.
    /// </summary>
    static Dim[]? UnknownsOfRank(long rank) => rank is >= 0 and <= 1024 ? Unknowns((int)rank) : null;

    static long[] Ones(int n) => Enumerable.Repeat(1L, n).ToArray();
}
