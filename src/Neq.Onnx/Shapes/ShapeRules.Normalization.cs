using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Shapes;

// Normalization. Legend: X [N, C, D1..Dn]; statistics have one entry per channel, [C]
// (BatchNormalization before opset 9 with spatial=0: the shape of its mean input).
internal static partial class ShapeRules
{
    /// <summary>
    /// BatchNormalization: Y like X. Extra outputs (training: running mean/var since opset 14,
    /// mean/var/saved mean/saved var before) take the mean input's type, [C] when unknown.
    /// </summary>
    internal static void BatchNormalization(NodeContext c)
    {
        var x = c.Shape(0);
        c.Out(0, c.Elem(0), x);
        Dim channels = x is { Count: >= 2 } ? x[1] : Dim.Unknown;
        bool spatial = c.Opset >= 9 || c.Int("spatial", 1) != 0;
        for (int i = 1; i <= 4 && spatial; i++)
            if (c.Shape(i) is { Count: 1 } s && channels.Value is { } ch && s[0].Value is { } si && si != ch)
                throw c.Error($"input {i} has {si} entries for {ch} channels.");
        var stats = c.Type(3) ?? c.Type(4);
        var statShape = stats?.Shape is { } ss && (!spatial || ss.Count == 1) ? ss : [channels];
        var statElem = stats?.ElemType ?? c.Elem(0);
        for (int o = 1; o < c.OutputCount; o++) c.Out(o, statElem, statShape);
    }

    /// <summary>
    /// LayerNormalization: Y like X; Mean and InvStdDev keep X's leading axes up to 'axis' and are 1
    /// after it, of the stash type (float by default).
    /// </summary>
    static void LayerNormalization(NodeContext c)
    {
        var x = c.Shape(0);
        c.Out(0, c.Elem(0), x);
        var stash = (DataType)c.Int("stash_type", (long)DataType.Float);
        if (x is null) { c.Out(1, stash, null); c.Out(2, stash, null); return; }
        var axis = DimMath.Axis(c.Int("axis", -1), x.Count);
        var stats = axis is { } a ? x.Select((d, k) => k < a ? d : 1).ToArray() : null;
        c.Out(1, stash, stats);
        c.Out(2, stash, stats);
    }
}
