namespace Neq.Onnx.Shapes;

/// <summary>
/// Arithmetic on dimensions that may be symbolic: known numbers combine, a symbol survives only
/// where the result is that symbol for certain (N·1, N+0, N/1), everything else becomes unknown.
/// </summary>
internal static class DimMath
{
    public static Dim Add(Dim a, Dim b) =>
        a.Value is { } x && b.Value is { } y ? x + y : b.Value == 0 ? a : a.Value == 0 ? b : Dim.Unknown;

    public static Dim Sub(Dim a, Dim b) =>
        a.Value is { } x && b.Value is { } y ? x - y : b.Value == 0 ? a : a.Symbol is { } s && s == b.Symbol ? 0 : Dim.Unknown;

    public static Dim Mul(Dim a, Dim b) =>
        a.Value is { } x && b.Value is { } y ? x * y : b.Value == 1 ? a : a.Value == 1 ? b
        : a.Value == 0 || b.Value == 0 ? 0 : Dim.Unknown;

    /// <summary>Integer division truncating toward zero, as ONNX Runtime's integer Div does.</summary>
    public static Dim Div(Dim a, Dim b) =>
        a.Value is { } x && b.Value is { } y ? (y == 0 ? Dim.Unknown : x / y) : b.Value == 1 ? a
        : a.Symbol is { } s && s == b.Symbol ? 1 : Dim.Unknown;

    /// <summary>Applies <paramref name="f"/> to a known size; unknown otherwise.</summary>
    public static Dim Map(Dim d, Func<long, long> f) => d.Value is { } v ? f(v) : Dim.Unknown;

    /// <summary>The product of <paramref name="dims"/>: known when all are, one symbol times known ones equal to 1 stays that symbol.</summary>
    public static Dim Product(IEnumerable<Dim> dims)
    {
        Dim acc = 1;
        foreach (var d in dims) acc = Mul(acc, d);
        return acc;
    }

    /// <summary>The sum of <paramref name="dims"/> (Concat's axis).</summary>
    public static Dim Sum(IEnumerable<Dim> dims)
    {
        Dim acc = 0;
        foreach (var d in dims) acc = Add(acc, d);
        return acc;
    }

    /// <summary>
    /// Two descriptions of one dimension combined: a known size wins over a symbol, a symbol over
    /// unknown. Null when both are known and differ (or both symbolic and differ: then unknown).
    /// </summary>
    public static Dim? Unify(Dim a, Dim b)
    {
        if (a.Value is { } x && b.Value is { } y) return x == y ? a : null;
        if (a.IsKnown) return a;
        if (b.IsKnown) return b;
        if (a.Symbol is null) return b;
        if (b.Symbol is null) return a;
        return a.Symbol == b.Symbol ? a : Dim.Unknown;
    }

    /// <summary>
    /// Multidirectional (numpy) broadcasting of two shapes aligned at the right. Per axis: a known 1
    /// gives way to the other side; equal symbols match; a known size other than 1 wins over a
    /// symbol or unknown (the other must equal it or be 1). Null when two known sizes clash.
    /// </summary>
    public static Dim[]? Broadcast(IReadOnlyList<Dim> a, IReadOnlyList<Dim> b)
    {
        int rank = Math.Max(a.Count, b.Count);
        var result = new Dim[rank];
        for (int k = 0; k < rank; k++)
        {
            Dim x = k < rank - a.Count ? 1 : a[k - (rank - a.Count)];
            Dim y = k < rank - b.Count ? 1 : b[k - (rank - b.Count)];
            if (x.Value == 1) result[k] = y;
            else if (y.Value == 1) result[k] = x;
            else if (x.IsKnown && y.IsKnown) { if (x.Value != y.Value) return null; result[k] = x; }
            else if (x.IsKnown) result[k] = x;
            else if (y.IsKnown) result[k] = y;
            else result[k] = x.Symbol is { } s && s == y.Symbol ? x : Dim.Unknown;
        }
        return result;
    }

    /// <summary>Normalizes a possibly negative axis of a tensor of rank <paramref name="rank"/>; null when out of range.</summary>
    public static int? Axis(long axis, int rank) =>
        axis < -rank || axis >= rank ? null : (int)(axis < 0 ? axis + rank : axis);

    /// <summary>All-known sizes as numbers, or null.</summary>
    public static long[]? Known(IReadOnlyList<Dim>? dims)
    {
        if (dims is null || dims.Any(d => !d.IsKnown)) return null;
        return dims.Select(d => d.Value!.Value).ToArray();
    }

    /// <summary>Floor division for possibly negative numerators (shape formulas with negative pads).</summary>
    public static long FloorDiv(long a, long b) => a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);

    /// <summary>Ceiling division.</summary>
    public static long CeilDiv(long a, long b) => -FloorDiv(-a, b);

    /// <summary>Shape text such as <c>[N,64,?]</c>.</summary>
    public static string Text(IReadOnlyList<Dim>? dims) => dims is null ? "[?]" : $"[{string.Join(",", dims)}]";
}
