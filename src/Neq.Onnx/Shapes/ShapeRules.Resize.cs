namespace Neq.Onnx.Shapes;

// Resampling and depth/space rearrangement. Legend: X [N, C, H, W].
internal static partial class ShapeRules
{
    /// <summary>
    /// Resize: sizes when given (opset 11+ input 3, read through 'axes' since 18, with
    /// keep_aspect_ratio_policy), else ⌊D · scale⌋ (scales: input 1 at opset 10, input 2 after).
    /// </summary>
    static void Resize(NodeContext c)
    {
        if (c.Shape(0) is not { } x) { c.Out(0, c.Elem(0), null); return; }
        var axes = c.Opset >= 18 && c.IntsAttr("axes") is { } listed
            ? listed.Select(a => DimMath.Axis(a, x.Count) ?? throw c.Error($"axis {a} is out of range for rank {x.Count}.")).ToArray()
            : Enumerable.Range(0, x.Count).ToArray();
        var y = x.ToArray();
        var sizes = c.Opset >= 11 ? c.Value(3)?.Ints : null;
        if (c.Opset >= 11 && c.Has(3))
        {
            if (sizes is null || sizes.Length != axes.Length) { c.Out(0, c.Elem(0), Unknowns(x.Count)); return; }
            var policy = c.Opset >= 18 ? c.Str("keep_aspect_ratio_policy", "stretch") : "stretch";
            if (policy == "stretch") for (int i = 0; i < axes.Length; i++) y[axes[i]] = sizes[i];
            else ScaleToFit(y, axes, sizes, policy == "not_larger");
        }
        else
        {
            var scales = c.Reals(c.Opset >= 11 ? 2 : 1);
            if (scales is null || scales.Length != axes.Length || c.Str("coordinate_transformation_mode", "") == "tf_crop_and_resize")
            {
                c.Out(0, c.Elem(0), Unknowns(x.Count));
                return;
            }
            for (int i = 0; i < axes.Length; i++) y[axes[i]] = Scaled(x[axes[i]], scales[i]);
        }
        c.Out(0, c.Elem(0), y);
    }

    /// <summary>keep_aspect_ratio_policy: one scale for all axes, the smallest (not_larger) or largest (not_smaller) of sizes/D; each size is round(scale · D).</summary>
    static void ScaleToFit(Dim[] y, int[] axes, Dim[] sizes, bool notLarger)
    {
        var ratios = axes.Select((a, i) => sizes[i].Value is { } s && y[a].Value is { } d && d > 0 ? (double?)((float)s / d) : null).ToArray();
        if (ratios.Any(r => r is null)) { foreach (var a in axes) y[a] = Dim.Unknown; return; }
        double scale = notLarger ? ratios.Min()!.Value : ratios.Max()!.Value;
        foreach (var a in axes) y[a] = DimMath.Map(y[a], d => (long)Math.Round(scale * d, MidpointRounding.AwayFromZero));
    }

    /// <summary>⌊D · scale⌋ in float32, as ONNX Runtime computes it (a scale of 1 keeps a symbol).</summary>
    static Dim Scaled(Dim d, double scale) => scale == 1 ? d : DimMath.Map(d, v => (long)Math.Floor((float)v * (float)scale));

    /// <summary>Upsample: ⌊D · scale⌋ with scales from the attribute (opset 7–8) or input 1 (opset 9+).</summary>
    static void Upsample(NodeContext c)
    {
        if (c.Shape(0) is not { } x) { c.Out(0, c.Elem(0), null); return; }
        var scales = c.Opset < 9 ? c.FloatsAttr("scales") : c.Reals(1);
        c.Out(0, c.Elem(0), scales is null || scales.Length != x.Count ? Unknowns(x.Count) : x.Select((d, k) => Scaled(d, scales[k])).ToArray());
    }

    /// <summary>DepthToSpace: [N, C/b², H·b, W·b].</summary>
    static void DepthToSpace(NodeContext c) => BlockRearrange(c, toSpace: true);

    /// <summary>SpaceToDepth: [N, C·b², H/b, W/b].</summary>
    static void SpaceToDepth(NodeContext c) => BlockRearrange(c, toSpace: false);

    static void BlockRearrange(NodeContext c, bool toSpace)
    {
        long b = c.Int("blocksize", 1);
        if (c.Shape(0) is not [var n, var ch, var h, var w] || b <= 0) { c.Out(0, c.Elem(0), c.Rank(0) is { } r ? Unknowns(r) : null); return; }
        c.Out(0, c.Elem(0), toSpace
            ? [n, DimMath.Map(ch, v => v / (b * b)), DimMath.Mul(h, b), DimMath.Mul(w, b)]
            : [n, DimMath.Mul(ch, b * b), DimMath.Map(h, v => v / b), DimMath.Map(w, v => v / b)]);
    }
}
