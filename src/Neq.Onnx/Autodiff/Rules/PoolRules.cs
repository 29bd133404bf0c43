using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Autodiff.Rules;

// Pooling. Shape legend: X [N, C, D…], Y and G [N, C, O…]; windows as in ConvGeometry (k =
// kernel_shape, s, d, pb, pe). A max pool routes each G element to the input element its window
// picked; an average pool spreads it evenly over its window's divisor.

/// <summary>Gradient rules of MaxPool, AveragePool and the global pools.</summary>
static class PoolRules
{
    /// <summary>
    /// Y = MaxPool(X): dX[i] = Σ of G over the windows whose maximum is X[i]. The arg-max comes
    /// from the node's Indices output (flat indices into X, row-major), or a recomputing MaxPool
    /// that has one; G is scatter-added into a flat zero X. Overlapping windows can pick the same
    /// element, which needs ScatterElements' reduction="add" (opset 16); before that the scatter
    /// is only exact for windows that do not overlap.
    /// </summary>
    public static Grad?[] MaxPool(GradContext c) => c.Result(() =>
    {
        var x = c.I(0);
        var kernel = c.Node.GetInts("kernel_shape") ?? throw Missing(c, "kernel_shape");
        var strides = c.Node.GetInts("strides");
        var dilations = c.Node.GetInts("dilations");
        bool overlap = Enumerable.Range(0, kernel.Length).Any(i => (strides?[i] ?? 1) < (kernel[i] - 1) * (dilations?[i] ?? 1) + 1);
        if (c.Opset < 11 || (overlap && c.Opset < 16))
            throw c.Error($"its gradient needs ScatterElements, opset 11 or later, and opset 16 or later where windows overlap (stride < kernel extent); the graph has opset {c.Opset}");

        string indices = c.Node.Output.Count > 1 && c.O(1).Length > 0 && c.Node.GetInt("storage_order", 0) == 0
            ? c.O(1)
            : c.OpN("MaxPool", [x], 2, c.Node.Attribute.Where(a => a.Name != "storage_order").Select(a => a.Clone()), "MaxPool_indices")[1];
        var zeros = c.Fill(c.Unsqueeze(c.Op("Size", [x]), 0), 0, c.ElemType(x));
        var attrs = overlap ? [Attr.Int("axis", 0), Attr.String("reduction", "add")] : new[] { Attr.Int("axis", 0) };
        var scattered = c.Op("ScatterElements", [zeros, c.Reshape(indices, -1), c.Reshape(c.G, -1)], attrs);
        return c.Reshape(scattered, c.Shape(x));
    });

    /// <summary>
    /// Y = AveragePool(X): each output is its window's sum divided by a count that depends on
    /// count_include_pad, and on ceil_mode where the last window overhangs. The divisor is read off
    /// the operator itself — 1/count = AveragePool(1)/SumPool(1) over a ones image, SumPool being
    /// a Conv with a ones kernel that counts the real elements — so it is exact for every
    /// attribute. dX = ConvTranspose(G/count) with a depthwise ones kernel spreads each share back
    /// over its window.
    /// </summary>
    public static Grad?[] AveragePool(GradContext c) => c.Result(() =>
    {
        var x = c.I(0);
        var type = c.ElemType(x);
        var spatial = ConvGeometry.SpatialDims(c, x);
        var kernel = c.Node.GetInts("kernel_shape") ?? throw Missing(c, "kernel_shape");
        var geo = ConvGeometry.Of(c.Node, spatial, kernel, ConvGeometry.SpatialDims(c, c.O(0)));
        // ceil_mode adds a last window that may reach past the end pad: pad the end far enough
        // that plain (floor) windows count the same windows.
        geo = geo with
        {
            PadsEnd = Enumerable.Range(0, geo.Rank)
                .Select(i => Math.Max(geo.PadsEnd[i], (geo.Out[i] - 1) * geo.Strides[i] + geo.Extent(i) - geo.In[i] - geo.PadsBegin[i])).ToArray(),
        };
        long channels = c.Type(x).Shape![1].Value
            ?? throw c.Error($"the channel count of '{x}' must be known to build its gradient");
        var windows = new[] { Attr.Ints("strides", geo.Strides), Attr.Ints("dilations", geo.Dilations), Attr.Ints("pads", geo.Pads) };

        var ones = c.Fill(c.Ints([1, 1, .. spatial]), 1, type);
        var average = c.Op("AveragePool", [ones], c.Node.Attribute.Select(a => a.Clone()));
        var count = c.Op("Conv", [ones, c.Fill(c.Ints([1, 1, .. kernel]), 1, type)], windows);
        var share = c.Mul(c.G, c.Div(average, count));
        return c.Op("ConvTranspose", [share, c.Fill(c.Ints([channels, 1, .. kernel]), 1, type)],
            [.. windows, Attr.Int("group", channels), Attr.Ints("output_padding", geo.Unread)]);
    });

    /// <summary>Y = mean of X over the spatial axes: dX = G·(size(Y)/size(X)), broadcast to X.</summary>
    public static Grad?[] GlobalAveragePool(GradContext c) => c.Result(() =>
    {
        var x = c.I(0);
        var type = c.ElemType(x);
        var scale = c.Div(c.Cast(c.Op("Size", [c.O(0)]), type), c.Cast(c.Op("Size", [x]), type));
        return c.Expand(c.Mul(c.G, scale), c.Shape(x));
    });

    /// <summary>
    /// Y = max of X over the spatial axes: dX = G at the maximum, shared equally among tied
    /// maxima (a valid subgradient; ties are common after ReLU).
    /// </summary>
    public static Grad?[] GlobalMaxPool(GradContext c) => c.Result(() =>
    {
        var x = c.I(0);
        var isMax = c.Cast(c.Op("Equal", [x, c.O(0)]), c.ElemType(x));
        var ties = c.ReduceSum(isMax, Enumerable.Range(2, c.Rank(x) - 2).Select(i => (long)i).ToArray(), keepDims: true);
        return c.Mul(isMax, c.Div(c.G, ties));
    });

    static OnnxFormatException Missing(GradContext c, string attribute) => c.Error($"attribute {attribute} is required");
}
