using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Shapes;

// Matrix products. Legend: A [.., M, K], B [.., K, N], Y [.., M, N].
internal static partial class ShapeRules
{
    /// <summary>Gemm: Y [M, N] from A [M, K] (or [K, M] with transA) and B [K, N] (or [N, K] with transB).</summary>
    static void Gemm(NodeContext c)
    {
        var a = c.Shape(0);
        var b = c.Shape(1);
        bool ta = c.Int("transA", 0) != 0, tb = c.Int("transB", 0) != 0;
        Dim m = a is { Count: 2 } ? a[ta ? 1 : 0] : Dim.Unknown;
        Dim n = b is { Count: 2 } ? b[tb ? 0 : 1] : Dim.Unknown;
        if (a is { Count: 2 } && b is { Count: 2 } && DimMath.Unify(a[ta ? 0 : 1], b[tb ? 1 : 0]) is null)
            throw c.Error($"A {DimMath.Text(a)} (transA={(ta ? 1 : 0)}) and B {DimMath.Text(b)} (transB={(tb ? 1 : 0)}) disagree on K.");
        c.Out(0, c.Elem(0), [m, n]);
    }

    /// <summary>
    /// MatMul with numpy semantics: a 1-D A is [1, K] and a 1-D B is [K, 1], the added axis
    /// dropped from the result; leading (batch) axes broadcast.
    /// </summary>
    static void MatMul(NodeContext c) => MatMulOf(c, c.Elem(0));

    /// <summary>MatMulInteger: as MatMul, with int32 output.</summary>
    static void MatMulInteger(NodeContext c) => MatMulOf(c, DataType.Int32);

    static void MatMulOf(NodeContext c, DataType elem)
    {
        if (c.Shape(0) is not { Count: > 0 } a || c.Shape(1) is not { Count: > 0 } b) { c.Out(0, elem, null); return; }
        var am = a.Count == 1 ? [1, a[0]] : a;
        var bm = b.Count == 1 ? [b[0], 1] : b;
        if (DimMath.Unify(am[^1], bm[^2]) is null)
            throw c.Error($"A {DimMath.Text(a)} and B {DimMath.Text(b)} disagree on K.");
        var batch = DimMath.Broadcast(am.Take(am.Count - 2).ToArray(), bm.Take(bm.Count - 2).ToArray())
            ?? throw c.Error($"batch axes of {DimMath.Text(a)} and {DimMath.Text(b)} do not broadcast.");
        var y = new List<Dim>(batch);
        if (a.Count > 1) y.Add(am[^2]);
        if (b.Count > 1) y.Add(bm[^1]);
        c.Out(0, elem, y);
    }
}
