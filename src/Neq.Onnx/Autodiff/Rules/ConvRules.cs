using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Autodiff.Rules;

// Convolutions. Shape legend: X [N, C, D…], W [M, C/g, K…], B [M], Y and G [N, M, O…]; g = group,
// s/d/pb/pe = strides, dilations, begin/end pads per spatial axis (ConvGeometry). Conv is
//   Y[n, m, o] = Σ_{c in m's group, j} Xpad[n, c, o·s + j·d] · W[m, c, j] + B[m],
// so dX is the adjoint (a ConvTranspose of G with W), dW correlates X with G, dB sums G.
// ONNX Runtime's CPU Conv/ConvTranspose kernels are float32 only.

/// <summary>Gradient rules of Conv and ConvTranspose.</summary>
static class ConvRules
{
    /// <summary>Y = Conv(X, W, B) for any strides, pads, auto_pad, dilations and group, 1-D to 3-D.</summary>
    public static Grad?[] Conv(GradContext c)
    {
        var geo = ConvGeometry.Of(c.Node, ConvGeometry.SpatialDims(c, c.I(0)), ConvGeometry.KernelOf(c, c.I(1)));
        long group = c.Node.GetInt("group", 1);
        // When only output channels A of dW are needed (a known mask freezes the others), dW[A] is
        // the same correlation of X with G[:, A]: the product runs over |A| channels instead of M.
        // In a grouped Conv a channel subset spans the groups unevenly, so all rows are computed.
        long PerGroup() => ChannelsPerGroup(c, c.I(1), c.I(0), group);
        return c.Result(
            () => InputGrad(c, c.G, c.I(1), geo, group, PerGroup()),
            () => c.OnlyRows(1) is { Axis: 0 } rows && group == 1
                ? Grad.Rows(WeightGradOfRows(c, c.I(0), c.GatherRows(c.G, 1, rows), rows.Indices.Count, geo, PerGroup()))
                : WeightGrad(c, c.I(0), c.G, geo, group, PerGroup()),
            () => BiasGrad(c, geo.Rank));
    }

    /// <summary>
    /// dW of a group-1 Conv at <paramref name="rows"/> output channels, <paramref name="g"/> holding
    /// G at just those channels: by <see cref="WeightGradByOutputShifts"/> where that copies less
    /// (<see cref="FewRows"/>), else by the general <see cref="WeightGrad"/>.
    /// </summary>
    static string WeightGradOfRows(GradContext c, string x, string g, long rows, ConvGeometry geo, long channels) =>
        c.Opset >= 11 && FewRows(geo, rows, channels)
            ? WeightGradByOutputShifts(c, x, g, geo)
            : WeightGrad(c, x, g, geo, 1, channels);

    /// <summary>
    /// Y = ConvTranspose(X, W, B): the adjoint of a Conv from Y's space to X's with the same W,
    /// strides, dilations and group. So dX = Conv(G, W) and dW is that Conv's weight gradient with
    /// G as its input and X as its output gradient. Rows of G past the full transposed output
    /// (output_padding, or a larger output_shape) never received input and are cut off first.
    /// </summary>
    public static Grad?[] ConvTranspose(GradContext c)
    {
        var input = ConvGeometry.SpatialDims(c, c.I(0));
        var kernel = ConvGeometry.KernelOf(c, c.I(1));
        var t = TransposeGeometry(c.Node, input, kernel);
        int r = input.Length;
        long group = c.Node.GetInt("group", 1);
        long[] yDims = Enumerable.Range(0, r).Select(i => t.Strides[i] * (input[i] - 1) + t.Extent(i) + t.OutputPadding[i] - t.PadsBegin[i] - t.PadsEnd[i]).ToArray();

        // The adjoint Conv reads G padded by pb before and pe − output_padding after; a negative
        // end pad means G's last rows lie beyond the full output and get cut instead.
        var padEnd = Enumerable.Range(0, r).Select(i => t.PadsEnd[i] - t.OutputPadding[i]).ToArray();
        var cut = Enumerable.Range(0, r).Select(i => yDims[i] + Math.Min(padEnd[i], 0)).ToArray();
        var geo = new ConvGeometry(cut, input, kernel, t.Strides, t.Dilations, t.PadsBegin, padEnd.Select(p => Math.Max(p, 0)).ToArray());
        string? cutG = null;
        string CutG() => cutG ??= padEnd.Any(p => p < 0) ? c.Slice(c.G, new long[r], cut, SpatialAxes(r)) : c.G;

        return c.Result(
            () => ConvOp(c, CutG(), c.I(1), geo, group),
            () => WeightGrad(c, CutG(), c.I(0), geo, group, ChannelsPerGroup(c, c.I(1), c.O(0), group)),
            () => BiasGrad(c, r));
    }

    /// <summary>dB = Σ G over every axis but the channel axis.</summary>
    static string BiasGrad(GradContext c, int spatialRank) =>
        c.ReduceSum(c.G, [0, .. SpatialAxes(spatialRank)], keepDims: false);

    /// <summary>
    /// The gradient of a Conv's input: for stride 1, a Conv of G with W flipped and in/out
    /// swapped, pads ek−1−pb / ek−1−pe (on CPU this is 1.8–3.7× faster than ConvTranspose, see
    /// the facts file); otherwise, or when a pad exceeds the kernel extent, ConvTranspose(G, W)
    /// with output_padding covering the input rows the last window never reached.
    /// </summary>
    static string InputGrad(GradContext c, string g, string w, ConvGeometry geo, long group, long channelsPerGroup)
    {
        int r = geo.Rank;
        var pb = Enumerable.Range(0, r).Select(i => geo.Extent(i) - 1 - geo.PadsBegin[i]).ToArray();
        var pe = Enumerable.Range(0, r).Select(i => geo.Extent(i) - 1 - geo.PadsEnd[i]).ToArray();
        bool direct = c.Opset >= 10 && geo.Strides.All(s => s == 1) && pb.All(p => p >= 0) && pe.All(p => p >= 0);
        if (direct)
        {
            var flipped = FlipSwap(c, w, geo, group, channelsPerGroup);
            return ConvOp(c, g, flipped, geo with { PadsBegin = pb, PadsEnd = pe }, group);
        }
        return c.Op("ConvTranspose", [g, w],
        [
            Attr.Ints("strides", geo.Strides), Attr.Ints("dilations", geo.Dilations), Attr.Int("group", group),
            Attr.Ints("pads", geo.Pads), Attr.Ints("output_padding", geo.Unread),
        ]);
    }

    /// <summary>
    /// W [M, C/g, K…] → [C, M/g, K…] reversed along every spatial axis: the kernel of the Conv
    /// that maps G back to X when the stride is 1.
    /// </summary>
    static string FlipSwap(GradContext c, string w, ConvGeometry geo, long group, long channelsPerGroup)
    {
        int r = geo.Rank;
        string swapped;
        if (group == 1) swapped = c.Transpose(w, SwapFirstTwo(r));
        else
        {
            // [g·M/g, C/g, K…] → [g, M/g, C/g, K…] → [g, C/g, M/g, K…] → [C, M/g, K…]
            var split = c.Reshape(w, [group, -1, channelsPerGroup, .. geo.Kernel]);
            long[] perm = [0, 2, 1, .. Enumerable.Range(3, r).Select(i => (long)i)];
            swapped = c.Reshape(c.Transpose(split, perm), [group * channelsPerGroup, -1, .. geo.Kernel]);
        }
        var minusOnes = Enumerable.Repeat(-1L, r).ToArray();
        return c.Slice(swapped, minusOnes, Enumerable.Repeat(long.MinValue, r).ToArray(), SpatialAxes(r), minusOnes);
    }

    /// <summary>
    /// The gradient of a Conv's weight: <see cref="WeightGradByShifts"/> for stride 1 (the
    /// fastest form measured on ONNX Runtime's standard CPU Conv, see docs/speed.md), else — or for
    /// a 2-D conv when the graph is meant for the NCHWc kernels (<see cref="GradContext.WeightGradAsConv"/>)
    /// — <see cref="WeightGradByConv"/>.
    /// </summary>
    static string WeightGrad(GradContext c, string x, string g, ConvGeometry geo, long group, long channelsPerGroup) =>
        geo.Strides.All(s => s == 1) && c.Opset >= 11 && !(c.WeightGradAsConv && geo.Rank == 2)
            ? WeightGradByShifts(c, x, g, geo, group, channelsPerGroup)
            : WeightGradByConv(c, x, g, geo, group, channelsPerGroup);

    /// <summary>
    /// dW for stride 1 as one batched product per kernel offset j, with the offset split between
    /// the operands: it moves X by δ_i = j_i·d_i − pb_i along spatial axes 1…r−1 and G by δ_0
    /// along axis 0, so
    ///   dW[m, c, j] = Σ_n Σ_q Xs_(j1…)[n, c, q] · Gs_(j0)[n, m, q],  q over In_0 × Out_1 × …
    /// where Xs is X shifted (zero-filled, cropped to Out) along axes 1…, and Gs is G shifted
    /// along axis 0 (zero-filled to In_0). Each shift is one Pad (negative pads crop, from opset
    /// 11), shared by the offsets that need it: a 3×3 kernel copies X twice and G twice, where
    /// slicing padded X per offset copied it nine times (docs/speed.md). Each product is
    /// Xs [N, g, C/g, Q] × Gsᵀ [N, g, Q, M/g], summed over N; the offsets are stacked and
    /// reordered to [M, C/g, K…].
    /// </summary>
    static string WeightGradByShifts(GradContext c, string x, string g, ConvGeometry geo, long group, long channelsPerGroup)
    {
        int r = geo.Rank;
        long Shift(int i, long j) => j * geo.Dilations[i] - geo.PadsBegin[i];
        long positions = geo.In[0] * geo.Out.Skip(1).Aggregate(1L, (a, b) => a * b);      // Q
        // Pads over [N, C, D…]: begins at 2 + i, ends at r + 4 + i for spatial axis i.
        var xShifted = new Dictionary<string, string>(StringComparer.Ordinal);
        string XShift(long[] j)
        {
            var key = string.Join(',', j.Skip(1));
            if (xShifted.TryGetValue(key, out var v)) return v;
            var pads = new long[2 * (r + 2)];
            for (int i = 1; i < r; i++)
            {
                long d = Shift(i, j[i]);
                pads[2 + i] = -d;
                pads[r + 4 + i] = geo.Out[i] - geo.In[i] + d;
            }
            v = pads.All(p => p == 0) ? x : c.PadZeros(x, pads);
            return xShifted[key] = c.Reshape(v, [0, group, channelsPerGroup, positions]);     // [N, g, C/g, Q]
        }
        var gShifted = new Dictionary<long, string>();
        string GShift(long j0)
        {
            if (gShifted.TryGetValue(j0, out var v)) return v;
            long d = Shift(0, j0);
            var pads = new long[2 * (r + 2)];
            pads[2] = d;
            pads[r + 4] = geo.In[0] - geo.Out[0] - d;
            v = pads.All(p => p == 0) ? g : c.PadZeros(g, pads);
            return gShifted[j0] = c.Transpose(c.Reshape(v, [0, group, -1, positions]), 0, 1, 3, 2); // [N, g, Q, M/g]
        }
        var offsets = new List<string>();
        foreach (var j in KernelOffsets(geo.Kernel))
        {
            var perSample = c.Op("MatMul", [XShift(j), GShift(j[0])]);                      // [N, g, C/g, M/g]
            offsets.Add(c.Unsqueeze(c.ReduceSum(perSample, [0], keepDims: false), 3));       // [g, C/g, M/g, 1]
        }
        var stacked = offsets.Count == 1 ? offsets[0] : c.Concat(offsets, 3);
        return c.Reshape(c.Transpose(stacked, 0, 2, 1, 3), [-1, channelsPerGroup, .. geo.Kernel]);
    }

    /// <summary>
    /// Whether dW for <paramref name="rows"/> of a stride-1 Conv's output channels copies less
    /// data by <see cref="WeightGradByOutputShifts"/> than by <see cref="WeightGradByShifts"/>,
    /// counted in channel-planes: the split shifts copy X once per nonzero shift along axes 1…
    /// and the rows of G once per nonzero shift along axis 0; the output shifts pad the rows of
    /// G once and copy them twice per kernel offset (Slice, Concat). For a 3×3 kernel with pad 1
    /// that is 2·C + 2·|A| against 19·|A|: the output shifts win below about C/8 rows.
    /// </summary>
    static bool FewRows(ConvGeometry geo, long rows, long channels)
    {
        if (geo.Strides.Any(s => s != 1)) return false;
        long k = geo.Kernel.Aggregate(1L, (a, b) => a * b), k0 = geo.Kernel[0];
        long byShifts = (k / k0 - 1) * channels + (k0 - 1) * rows;
        long byOutputShifts = (2 * k + 1) * rows;
        return byOutputShifts < byShifts;
    }

    /// <summary>
    /// dW for stride 1 and group 1 when only a few output channels are trained (G holds just
    /// those rows): X stays where it is and G is moved instead. With the reach e_i = (K_i−1)·d_i,
    ///   dW[a, c, j] = Σ_n Σ_p X[n, c, p] · S_j[n, a, p],  S_j[n, a, p] = Gpad[n, a, p + (K−1−j)·d]
    /// over X's positions p, where Gpad is G padded by e − pb before and e − pe after (negative
    /// pads crop) — so S_j is G shifted to the input position each output reads with offset j.
    /// The K windows are sliced out of Gpad and stacked, then one batched product
    /// X [N, C, P] × Sᵀ [N, P, K·|A|] per sample, summed over N and reordered to [|A|, C, K…].
    /// Nothing the size of X is copied, which the split shifts must do whatever |A| is.
    /// </summary>
    static string WeightGradByOutputShifts(GradContext c, string x, string g, ConvGeometry geo)
    {
        int r = geo.Rank;
        var pads = new long[2 * (r + 2)];
        for (int i = 0; i < r; i++)
        {
            long reach = (geo.Kernel[i] - 1) * geo.Dilations[i];
            pads[2 + i] = reach - geo.PadsBegin[i];
            pads[r + 4 + i] = reach - geo.PadsEnd[i];
        }
        var padded = pads.All(p => p == 0) ? g : c.PadZeros(g, pads);                          // [N, A, In_i + e_i]
        var windows = new List<string>();
        foreach (var j in KernelOffsets(geo.Kernel))
        {
            var starts = Enumerable.Range(0, r).Select(i => (geo.Kernel[i] - 1 - j[i]) * geo.Dilations[i]).ToArray();
            windows.Add(c.Slice(padded, starts, starts.Select((s, i) => s + geo.In[i]).ToArray(), SpatialAxes(r)));
        }
        long positions = geo.In.Aggregate(1L, (a, b) => a * b);
        var stacked = windows.Count == 1 ? windows[0] : c.Concat(windows, 1);                   // [N, K·A, In…], offset-major
        var windowsT = c.Transpose(c.Reshape(stacked, [0, 0, positions]), 0, 2, 1);           // [N, P, K·A]
        var perSample = c.Op("MatMul", [c.Reshape(x, [0, 0, positions]), windowsT]);          // [N, C, K·A]
        var sum = c.ReduceSum(perSample, [0], keepDims: false);                                // [C, K·A]
        var reordered = c.Transpose(c.Reshape(sum, [0, windows.Count, -1]), 2, 0, 1);         // [A, C, K]
        return c.Reshape(reordered, [0, 0, .. geo.Kernel]);
    }

    /// <summary>Every kernel offset (multi-index over <paramref name="kernel"/>), row-major.</summary>
    static IEnumerable<long[]> KernelOffsets(long[] kernel)
    {
        long count = kernel.Aggregate(1L, (a, b) => a * b);
        for (long flat = 0; flat < count; flat++)
        {
            var j = new long[kernel.Length];
            for (int i = kernel.Length - 1, rest = (int)flat; i >= 0; i--) { j[i] = rest % kernel[i]; rest /= (int)kernel[i]; }
            yield return j;
        }
    }

    /// <summary>
    /// The gradient of a Conv's weight, valid for every attribute combination: with batch and
    /// channels swapped it is itself a Conv, of X (as [C/g, g·N, D…]) with G (as [M, N, O…])
    /// using stride d and dilation s — its window count can exceed K where the last window left
    /// input unread, so it is sliced to K — then swapped back to [M, C/g, K…].
    /// </summary>
    static string WeightGradByConv(GradContext c, string x, string g, ConvGeometry geo, long group, long channelsPerGroup)
    {
        int r = geo.Rank;
        var swap = SwapFirstTwo(r);
        string xt;
        if (group == 1) xt = c.Transpose(x, swap);
        else
        {
            // [N, g·C/g, D…] → [N, g, C/g, D…] → [C/g, g, N, D…] → [C/g, g·N, D…]: group j of the
            // swapped Conv then reads exactly the channels of X's group j.
            var split = c.Reshape(x, [0, group, channelsPerGroup, .. geo.In]);
            long[] perm = [2, 1, 0, .. Enumerable.Range(3, r).Select(i => (long)i)];
            xt = c.Reshape(c.Transpose(split, perm), [channelsPerGroup, -1, .. geo.In]);
        }
        var gt = c.Transpose(g, swap);
        var corr = c.Op("Conv", [xt, gt],
        [
            Attr.Ints("strides", geo.Dilations), Attr.Ints("dilations", geo.Strides), Attr.Int("group", group),
            Attr.Ints("pads", geo.Pads),
        ]);
        var reach = Enumerable.Range(0, r)
            .Select(i => (geo.In[i] + geo.PadsBegin[i] + geo.PadsEnd[i] - ((geo.Out[i] - 1) * geo.Strides[i] + 1)) / geo.Dilations[i] + 1).ToArray();
        if (!reach.SequenceEqual(geo.Kernel))
            corr = c.Slice(corr, new long[r], geo.Kernel, SpatialAxes(r));
        return c.Transpose(corr, swap);
    }

    /// <summary>A Conv node with the geometry's strides, dilations and explicit pads.</summary>
    static string ConvOp(GradContext c, string x, string w, ConvGeometry geo, long group) =>
        c.Op("Conv", [x, w],
        [
            Attr.Ints("strides", geo.Strides), Attr.Ints("dilations", geo.Dilations), Attr.Int("group", group),
            Attr.Ints("pads", geo.Pads),
        ]);

    /// <summary>Input channels per group: the weight's dim 1, else the input's channels / group.</summary>
    static long ChannelsPerGroup(GradContext c, string weight, string input, long group)
    {
        if (c.TypeOf(weight)?.Shape is { Count: > 1 } w && w[1].IsKnown) return w[1].Value!.Value;
        if (c.TypeOf(input)?.Shape is { Count: > 1 } x && x[1].IsKnown) return x[1].Value!.Value / group;
        throw c.Error($"the channel count of '{weight}' is unknown; its gradient cannot be built");
    }

    static long[] SwapFirstTwo(int spatialRank) => [1, 0, .. SpatialAxes(spatialRank)];

    /// <summary>Axes 2 … 2+r−1.</summary>
    static long[] SpatialAxes(int spatialRank) => Enumerable.Range(2, spatialRank).Select(i => (long)i).ToArray();

    /// <summary>ConvTranspose's geometry: pads resolved as ONNX Runtime 1.31 does.</summary>
    sealed record Transposed(long[] Strides, long[] Dilations, long[] Kernel, long[] OutputPadding, long[] PadsBegin, long[] PadsEnd)
    {
        public long Extent(int i) => (Kernel[i] - 1) * Dilations[i] + 1;
    }

    /// <summary>
    /// Pads of a ConvTranspose over input sizes <paramref name="input"/>, resolved as ONNX
    /// Runtime 1.31 does (measured; see ConvGradientTests). With output_shape, or auto_pad SAME_*
    /// (whose output is in·s), the total padding is t = s·(in−1) + ek + output_padding − out;
    /// with output_shape the start gets ⌊t/2⌋ for SAME_UPPER and t − ⌊t/2⌋ otherwise; without it
    /// SAME_UPPER starts with ⌊t/2⌋ and SAME_LOWER with t − ⌊t/2⌋. A negative t (an output larger
    /// than the full one) extends the end only.
    /// </summary>
    static Transposed TransposeGeometry(NodeProto node, long[] input, long[] kernel)
    {
        int r = input.Length;
        var t = new Transposed(
            node.GetInts("strides") ?? Enumerable.Repeat(1L, r).ToArray(),
            node.GetInts("dilations") ?? Enumerable.Repeat(1L, r).ToArray(),
            kernel,
            node.GetInts("output_padding") ?? new long[r],
            new long[r], new long[r]);
        var autoPad = node.GetString("auto_pad", "NOTSET");
        var outputShape = node.GetInts("output_shape");
        if (outputShape is not null && outputShape.Length == r + 2) outputShape = outputShape[2..];
        if (outputShape is not null || autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            for (int i = 0; i < r; i++)
            {
                long outSize = outputShape?[i] ?? input[i] * t.Strides[i];
                long total = t.Strides[i] * (input[i] - 1) + t.Extent(i) + t.OutputPadding[i] - outSize;
                bool oddAtStart = outputShape is not null ? autoPad != "SAME_UPPER" : autoPad == "SAME_LOWER";
                long head = total < 0 ? 0 : oddAtStart ? total - total / 2 : total / 2;
                t.PadsBegin[i] = head;
                t.PadsEnd[i] = total - head;
            }
        }
        else if (autoPad == "NOTSET" && node.GetInts("pads") is { } pads)
        {
            Array.Copy(pads, 0, t.PadsBegin, 0, r);
            Array.Copy(pads, r, t.PadsEnd, 0, r);
        }
        return t;
    }
}
