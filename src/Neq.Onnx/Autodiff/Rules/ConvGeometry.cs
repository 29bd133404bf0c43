using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Autodiff.Rules;

// The sliding-window geometry shared by Conv, ConvTranspose and the pools, per spatial axis i:
//   ek[i] = (k[i] − 1)·d[i] + 1                        effective kernel extent
//   out[i] = ⌊(in[i] + pb[i] + pe[i] − ek[i]) / s[i]⌋ + 1  (window count; ceil_mode aside)
// with explicit begin/end pads resolved from auto_pad. Backward forms need in/out as numbers
// (ConvTranspose's output_padding and Slice bounds are attributes or constants), so the spatial
// sizes must be known; the batch size may stay symbolic.

/// <summary>Resolved window geometry of one Conv-like node (spatial axes only).</summary>
/// <param name="In">Input spatial sizes.</param>
/// <param name="Out">Output spatial sizes (window counts).</param>
/// <param name="Kernel">Kernel spatial sizes.</param>
/// <param name="Strides">Strides.</param>
/// <param name="Dilations">Dilations.</param>
/// <param name="PadsBegin">Zeros added before each axis.</param>
/// <param name="PadsEnd">Zeros added after each axis.</param>
sealed record ConvGeometry(long[] In, long[] Out, long[] Kernel, long[] Strides, long[] Dilations, long[] PadsBegin, long[] PadsEnd)
{
    /// <summary>Number of spatial axes.</summary>
    public int Rank => In.Length;

    /// <summary>Extent of the dilated kernel along axis <paramref name="i"/>.</summary>
    public long Extent(int i) => (Kernel[i] - 1) * Dilations[i] + 1;

    /// <summary>ONNX "pads": all begins, then all ends.</summary>
    public long[] Pads => [.. PadsBegin, .. PadsEnd];

    /// <summary>
    /// Input positions past the last window that the forward never read, per axis
    /// (in + pb + pe − ek − s·(out − 1), in [0, s) for floor windows): the output_padding that
    /// makes a ConvTranspose over the output reproduce the input's size.
    /// </summary>
    public long[] Unread => Enumerable.Range(0, Rank)
        .Select(i => In[i] + PadsBegin[i] + PadsEnd[i] - Extent(i) - Strides[i] * (Out[i] - 1)).ToArray();

    /// <summary>
    /// The geometry of a Conv (or pool) node over an input of spatial sizes <paramref name="input"/>:
    /// strides/dilations default to 1, pads come from auto_pad (SAME_UPPER puts the odd zero at
    /// the end, SAME_LOWER at the start) or the pads attribute. <paramref name="output"/> is the
    /// node's known output size (needed for ceil_mode pools), else the floor formula gives it.
    /// </summary>
    public static ConvGeometry Of(NodeProto node, long[] input, long[] kernel, long[]? output = null)
    {
        int r = input.Length;
        var strides = node.GetInts("strides") ?? Ones(r);
        var dilations = node.GetInts("dilations") ?? Ones(r);
        var pb = new long[r];
        var pe = new long[r];
        var autoPad = node.GetString("auto_pad", "NOTSET");
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            for (int i = 0; i < r; i++)
            {
                long outSize = (input[i] + strides[i] - 1) / strides[i];
                long total = Math.Max(0, (outSize - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - input[i]);
                pb[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                pe[i] = total - pb[i];
            }
        }
        else if (autoPad is "NOTSET" && node.GetInts("pads") is { } pads)
        {
            if (pads.Length != 2 * r)
                throw new OnnxFormatException($"Node '{GradContext.NodeId(node)}' ({node.OpType}): pads has {pads.Length} values, expected {2 * r}.");
            Array.Copy(pads, 0, pb, 0, r);
            Array.Copy(pads, r, pe, 0, r);
        }
        var geometry = new ConvGeometry(input, new long[r], kernel, strides, dilations, pb, pe);
        for (int i = 0; i < r; i++)
            geometry.Out[i] = output?[i] ?? (input[i] + pb[i] + pe[i] - geometry.Extent(i)) / strides[i] + 1;
        return geometry;
    }

    static long[] Ones(int n) => Enumerable.Repeat(1L, n).ToArray();

    /// <summary>
    /// The known spatial sizes of <paramref name="value"/> (axes 2…), or a clear error naming the
    /// node: backward windows need them as numbers.
    /// </summary>
    public static long[] SpatialDims(GradContext c, string value)
    {
        var t = c.Type(value);
        if (t.Shape is null || t.Shape.Count < 3 || t.Shape.Skip(2).Any(d => !d.IsKnown))
            throw new OnnxFormatException(
                $"Node '{GradContext.NodeId(c.Node)}' ({c.Node.OpType}): the spatial sizes of '{value}' ({t}) must be known numbers to build its gradient.");
        return t.Shape.Skip(2).Select(d => d.Value!.Value).ToArray();
    }

    /// <summary>The kernel's spatial sizes: the weight's dims 2… when known, else kernel_shape.</summary>
    public static long[] KernelOf(GradContext c, string weight)
    {
        var t = c.TypeOf(weight);
        if (t?.Shape is { Count: > 2 } s && s.Skip(2).All(d => d.IsKnown))
            return s.Skip(2).Select(d => d.Value!.Value).ToArray();
        return c.Node.GetInts("kernel_shape")
            ?? throw new OnnxFormatException($"Node '{GradContext.NodeId(c.Node)}' ({c.Node.OpType}): the kernel size is unknown (no kernel_shape, and '{weight}' has no known shape).");
    }
}
