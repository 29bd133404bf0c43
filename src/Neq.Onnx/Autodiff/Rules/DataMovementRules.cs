using Neq.Onnx.Graphs;

namespace Neq.Onnx.Autodiff.Rules;

// Data movement: dX is G moved back to where X's elements came from. Shape inputs (Reshape's
// shape, axes, pads, starts, split sizes, indices) never get a gradient. Legend: X the data input
// of rank r, Y the output, G = dY.

/// <summary>Gradient rules of shape and data-movement operators.</summary>
static class DataMovementRules
{
    /// <summary>
    /// Reshape, Flatten, Squeeze, Unsqueeze (attribute and input forms): Y holds X's elements in
    /// the same order, so dX = Reshape(G, shape(X)).
    /// </summary>
    public static Grad?[] ReshapeLike(GradContext c) => c.Result(() => c.Reshape(c.G, c.ShapeOf(c.I(0))));

    /// <summary>Y = Transpose(X, p) (default p reverses the axes): dX = Transpose(G, p⁻¹).</summary>
    public static Grad?[] Transpose(GradContext c) => c.Result(() =>
    {
        var perm = c.Node.GetInts("perm") ?? Enumerable.Range(0, c.Rank(c.I(0))).Reverse().Select(a => (long)a).ToArray();
        var inverse = new long[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        return c.Transpose(c.G, inverse);
    });

    /// <summary>
    /// Y = Concat(X₀, X₁, …; axis): G is split back along the axis into the inputs' sizes — a
    /// constant list when shape inference knows them, else (opset 13+, where Split takes its sizes
    /// as an input) the inputs' run-time sizes gathered from their shapes.
    /// </summary>
    public static Grad?[] Concat(GradContext c)
    {
        int n = c.InputCount;
        var axis = RuleShapes.NormalizeAxis(c.Node.GetInt("axis", 0), c.Rank(c.O(0)));
        var sizes = Enumerable.Range(0, n).Select(j => c.TypeOf(c.I(j))?.Shape?[(int)axis].Value).ToArray();
        string[] parts;
        if (sizes.All(s => s.HasValue))
            parts = c.Split(c.G, axis, sizes.Select(s => s!.Value).ToArray());
        else if (c.Opset >= 13)
        {
            var runtime = c.Concat(Enumerable.Range(0, n).Select(j => c.Slice(c.Shape(c.I(j)), [axis], [axis + 1], [0])).ToArray(), 0);
            parts = c.OpN("Split", [c.G, runtime], n, [Attr.Int("axis", axis)]);
        }
        else throw c.Error($"the sizes of its inputs along axis {axis} must be known to derive the gradient before opset 13");
        var r = c.None();
        for (int j = 0; j < n; j++)
            if (c.NeedsGI(j)) r[j] = parts[j];
        return r;
    }

    /// <summary>
    /// Y₀, Y₁, … = Split(X; axis) (split sizes as attribute, input, or opset-18 num_outputs):
    /// dX = Concat(G₀, G₁, …) along the axis, zeros for outputs no gradient flows into.
    /// </summary>
    public static Grad?[] Split(GradContext c) => c.Result(() =>
    {
        var axis = RuleShapes.NormalizeAxis(c.Node.GetInt("axis", 0), c.Rank(c.I(0)));
        var parts = Enumerable.Range(0, c.Node.Output.Count)
            .Select(i => c.GO(i) ?? c.ZerosLike(c.O(i), c.ElemType(c.I(0)))).ToArray();
        return c.Concat(parts, axis);
    });

    /// <summary>
    /// Y = X[starts:ends:steps] on some axes (attributes before opset 10, inputs from 10).
    /// Unit steps with constant bounds and known sizes: dX = Pad(G) with zeros where X was cut
    /// off. Positive steps s > 1 (a strided subsampling, such as ResNet's option-A shortcut) with
    /// constant bounds and sizes known from the first stepped axis on, from opset 11: each stepped
    /// axis gets a unit axis after it, padded to s (G's element, then s − 1 zeros), the pairs are
    /// merged, and one Pad (negative pads crop) places the result — two copies of G's size, where
    /// the scatter below wrote element by element (docs/speed.md). Otherwise (negative steps,
    /// run-time bounds or sizes), from opset 11:
    /// the same Slice applied to the flat indices 0…|X|−1 says where each element of G came
    /// from, and ScatterND writes G there into zeros. ORT's CPU build has both.
    /// </summary>
    public static Grad?[] Slice(GradContext c) => c.Result(() =>
    {
        var x = c.I(0);
        int rank = c.Rank(x);
        if (ReadSlice(c, rank) is { } s && s.Steps.All(k => k == 1) && c.TypeOf(x)?.Shape is { } shape
            && s.Axes.All(a => shape[(int)a].IsKnown))
        {
            var pads = new long[2 * rank];
            for (int k = 0; k < s.Axes.Length; k++)
            {
                int a = (int)s.Axes[k];
                long n = shape[a].Value!.Value;
                long start = Math.Clamp(s.Starts[k] < 0 ? s.Starts[k] + n : s.Starts[k], 0, n);
                long end = Math.Clamp(s.Ends[k] < 0 ? s.Ends[k] + n : s.Ends[k], 0, n);
                long kept = Math.Max(0, end - start);
                pads[a] = start;
                pads[a + rank] = n - start - kept;
            }
            return c.PadZeros(c.G, pads);
        }
        if (c.Opset >= 11 && ReadSlice(c, rank) is { } t && t.Steps.All(k => k >= 1) && c.TypeOf(x)?.Shape is { } known
            && StridedScatter(c, t, known) is { } spread)
            return spread;
        if (c.Opset < 11)
            throw c.Error("its gradient needs unit steps, constant starts/ends/axes and known sizes on the sliced axes before opset 11 (later opsets scatter with ScatterND)");
        var xShape = c.ShapeOf(x);
        var flat = c.Op("Range", [c.IntScalar(0), c.Op("Size", [x]), c.IntScalar(1)]);
        var picked = c.Op("Slice", [c.Reshape(flat, xShape), .. c.Node.Input.Skip(1)]);
        var scattered = c.Op("ScatterND", [c.ZerosLike(flat, c.ElemType(x)), c.Reshape(picked, -1, 1), c.Reshape(c.G, -1)]);
        return c.Reshape(scattered, xShape);
    });

    /// <summary>
    /// dX of a Slice with positive steps by padding (see <see cref="Slice"/>); null when a size the
    /// reshape needs is unknown (X's axes from the first stepped one on).
    /// </summary>
    static string? StridedScatter(GradContext c, SliceParams s, IReadOnlyList<Shapes.Dim> shape)
    {
        int rank = shape.Count;
        var step = Enumerable.Repeat(1L, rank).ToArray();
        var start = new long[rank];
        var kept = shape.Select(d => d.Value ?? -1).ToArray();
        for (int k = 0; k < s.Axes.Length; k++)
        {
            int a = (int)s.Axes[k];
            if (shape[a].Value is not { } n) return null;
            long st = Math.Clamp(s.Starts[k] < 0 ? s.Starts[k] + n : s.Starts[k], 0, n);
            long end = Math.Clamp(s.Ends[k] < 0 ? s.Ends[k] + n : s.Ends[k], 0, n);
            (step[a], start[a], kept[a]) = (s.Steps[k], st, Math.Max(0, (end - st + s.Steps[k] - 1) / s.Steps[k]));
        }
        int first = Array.FindIndex(step, v => v > 1);
        if (first < 0 || shape.Skip(first).Any(d => !d.IsKnown)) return null;
        // G [.., k_a, ..] → [.., k_a, 1, ..] per stepped axis → pad the unit axes to s_a → [.., k_a·s_a, ..].
        var stepped = Enumerable.Range(0, rank).Where(a => step[a] > 1).ToArray();
        var axes = stepped.Select((a, i) => (long)(a + 1 + i)).ToArray();
        var g = c.Unsqueeze(c.G, axes);
        var pads = new long[2 * (rank + stepped.Length)];
        foreach (var (a, i) in stepped.Select((a, i) => (a, i))) pads[rank + stepped.Length + a + 1 + i] = step[a] - 1;
        g = c.PadZeros(g, pads);
        var merged = Enumerable.Range(0, rank).Select(a => a < first ? 0 : kept[a] * step[a]).ToArray();
        g = c.Reshape(g, merged);
        // Place it: start zeros before, and what is left of X's extent after (negative: crop the last zeros).
        var place = new long[2 * rank];
        var sliced = s.Axes.Select(v => (int)v).ToHashSet();
        for (int a = 0; a < rank; a++)
        {
            if (a < first && !sliced.Contains(a)) continue;
            place[a] = start[a];
            place[a + rank] = shape[a].Value!.Value - start[a] - kept[a] * step[a];
        }
        return place.All(v => v == 0) ? g : c.PadZeros(g, place);
    }

    /// <summary>Slice parameters with axes normalized; null when any of them is a run-time value.</summary>
    sealed record SliceParams(long[] Starts, long[] Ends, long[] Axes, long[] Steps);

    static SliceParams? ReadSlice(GradContext c, int rank)
    {
        long[]? starts, ends, axes, steps;
        if (c.Opset < 10)
        {
            starts = c.Node.GetInts("starts");
            ends = c.Node.GetInts("ends");
            axes = c.Node.GetInts("axes");
            steps = null;
        }
        else
        {
            starts = c.ConstInts(c.I(1));
            ends = c.ConstInts(c.I(2));
            axes = c.ConstInts(c.I(3));
            steps = c.ConstInts(c.I(4));
            if ((c.HasI(3) && axes is null) || (c.HasI(4) && steps is null)) return null;
        }
        if (starts is null || ends is null) return null;
        axes ??= Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        return new(starts, ends, axes.Select(a => RuleShapes.NormalizeAxis(a, rank)).ToArray(), steps);
    }

    /// <summary>
    /// Y = Pad(X) in constant mode (pads as attribute before opset 11, input from 11, optional
    /// axes input from 18): dX = G with the padding sliced off; negative pads (crops) are padded
    /// back with zeros. Reflect/edge/wrap modes are not supported (clear error).
    /// </summary>
    public static Grad?[] Pad(GradContext c) => c.Result(() =>
    {
        var mode = c.Node.GetString("mode", "constant");
        if (mode != "constant")
            throw c.Error($"Pad mode '{mode}' has no gradient rule (only 'constant' is supported)");
        int rank = c.Rank(c.I(0));
        var pads = c.Opset < 11 ? c.Node.GetInts("pads") ?? throw c.Error("the pads attribute is missing")
            : c.RequireConstInts(c.I(1), "pads");
        var axes = c.Opset >= 18 && c.HasI(3)
            ? c.RequireConstInts(c.I(3), "axes").Select(a => RuleShapes.NormalizeAxis(a, rank)).ToArray()
            : Enumerable.Range(0, rank).Select(a => (long)a).ToArray();
        int m = axes.Length;

        var (sliceAxes, starts, ends) = (new List<long>(), new List<long>(), new List<long>());
        var unpad = new long[2 * rank];
        for (int k = 0; k < m; k++)
        {
            long begin = pads[k], end = pads[k + m];
            if (begin > 0 || end > 0)
            {
                sliceAxes.Add(axes[k]);
                starts.Add(Math.Max(begin, 0));
                ends.Add(end > 0 ? -end : long.MaxValue);
            }
            unpad[axes[k]] = Math.Max(-begin, 0);
            unpad[axes[k] + rank] = Math.Max(-end, 0);
        }
        var g = sliceAxes.Count > 0 ? c.Slice(c.G, [.. starts], [.. ends], [.. sliceAxes]) : c.G;
        return unpad.Any(p => p != 0) ? c.PadZeros(g, unpad) : g;
    });

    /// <summary>
    /// Y = Gather(X, idx; axis), Y: X[:axis] ++ idx.shape ++ X[axis+1:]: G viewed with the idx axes
    /// flattened to one is scatter-added into zeros of X's shape (ScatterElements with
    /// reduction="add", opset 16+), so repeated indices accumulate. Indices get none.
    /// </summary>
    public static Grad?[] Gather(GradContext c) => c.Result(() =>
    {
        RequireScatterAdd(c);
        var x = c.I(0);
        int rank = c.Rank(x);
        var axis = RuleShapes.NormalizeAxis(c.Node.GetInt("axis", 0), rank);
        var xShape = c.ShapeOf(x);
        var flatShape = c.Concat([c.Slice(xShape, [0], [axis], [0]), c.Ints(-1), c.Slice(xShape, [axis + 1], [long.MaxValue], [0])], 0);
        var g = c.Reshape(c.G, flatShape);
        var idxView = Enumerable.Repeat(1L, rank).ToArray();
        idxView[axis] = -1;
        var idx = c.Expand(c.Reshape(c.I(1), idxView), c.Shape(g));
        return ScatterAdd(c, x, idx, g, axis);
    });

    /// <summary>Y = GatherElements(X, idx; axis): dX = ScatterElements(0, idx, G; axis, reduction="add") (opset 16+).</summary>
    public static Grad?[] GatherElements(GradContext c) => c.Result(() =>
    {
        RequireScatterAdd(c);
        var axis = RuleShapes.NormalizeAxis(c.Node.GetInt("axis", 0), c.Rank(c.I(0)));
        return ScatterAdd(c, c.I(0), c.I(1), c.G, axis);
    });

    static void RequireScatterAdd(GradContext c)
    {
        if (c.Opset < 16)
            throw c.Error("its gradient scatter-adds with ScatterElements(reduction='add'), which needs opset 16 or later");
    }

    static string ScatterAdd(GradContext c, string x, string idx, string g, long axis) =>
        c.Op("ScatterElements", [c.ZerosLike(x, c.ElemType(x)), idx, g],
            [Attr.Int("axis", axis), Attr.String("reduction", "add")]);
}
