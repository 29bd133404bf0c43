using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Lowering;

/// <summary>
/// Lowers a graph's standard 2-D convolutions to ONNX Runtime's NCHWc CPU kernels
/// (<see cref="NchwcDomain"/>), which ONNX Runtime's own optimiser uses only when the weight is a
/// constant — never in a training graph, whose weights are inputs. The kernels read the weight
/// when they run, so a weight that changes every step works; what they need is the weight in
/// MLAS's blocked layout, which the lowered graph makes from the standard one on every run with
/// Pad/Reshape/Transpose (a few hundred kilobytes per conv, once per distinct weight value), and
/// the input in the blocked activation layout (ReorderInput), the output back in NCHW
/// (ReorderOutput). Each lowered Conv computes the same values as the standard one (up to float32
/// summation order); everything else in the graph is untouched, so the lowered graph has the
/// same inputs, outputs and results.
/// </summary>
/// <remarks>
/// <para>A Conv is lowered when its input is 4-D with a known channel count C, its weight shape
/// [M, C, kh, kw] is known, group is 1, and the input either has fewer channels than the block
/// (MLAS then reads it in plain NCHW, as for a network's first conv) or a multiple of 4 of them
/// (ReorderInput pads it to a multiple of the block). M is padded to a multiple of the block with
/// zero weight rows and zero bias, and ReorderOutput drops those channels again.</para>
/// <para>Weight layouts (MLAS <c>MlasNchwcConv</c>): with a blocked input,
/// <c>[M/B][C/B][kh][kw][Bc][Bm]</c>; with a plain NCHW input, <c>[M/B][C][kh][kw][Bm]</c>; both
/// declared to ONNX Runtime as 4-D [Mpad, Cpad, kh, kw].</para>
/// <para>A Conv whose channel count is symbolic in both input and weight — a weight gradient built
/// as a Conv with the batch as channels (<see cref="Autodiff.GradientOptions.WeightGradAsConv"/>),
/// when the batch size is symbolic — is lowered too: the graph pads the channel axis of both to a
/// multiple of the block at run time (zero images add nothing to the sum over the batch).
/// The same run-time pad serves a known channel count at or above the block that ReorderInput
/// cannot take (not a multiple of 4).</para>
/// <para>Not lowered (left standard): grouped and depthwise convs, 1-D and 3-D convs, and convs
/// whose other shapes shape inference cannot tell.</para>
/// </remarks>
public static class NchwcLowering
{
    /// <summary>
    /// A copy of <paramref name="model"/> whose eligible Conv nodes run as NCHWc kernels of block
    /// size <paramref name="blockSize"/> (the machine's: see the training runtime's probe). The
    /// input is not changed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="blockSize"/> is not a power of two of at least 4.</exception>
    public static ModelProto Lower(ModelProto model, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (blockSize < 4 || (blockSize & (blockSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "An NCHWc block size is a power of two of at least 4 (8 with AVX2, 16 with AVX-512).");
        var lowered = model.Clone();
        var graph = lowered.Graph;
        if (graph is null) return lowered;
        var types = ShapeInference.Infer(lowered);
        long opset = lowered.OpsetOf("") ?? OnnxModel.DefaultOpset;
        if (opset < 11) return lowered; // the weight reorder pads with Pad's input form

        var builder = new GraphBuilder(graph); // reserves every existing name before the nodes move
        var nodes = graph.Node.ToList();
        graph.Node.Clear();
        var e = new Emitter(builder, opset, "nchwc");
        var blockedInputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var blockedWeights = new Dictionary<string, string>(StringComparer.Ordinal);
        int count = 0;
        foreach (var node in nodes)
        {
            if (Eligible(node, types, blockSize) is not { } conv)
            {
                graph.Node.Add(node);
                continue;
            }
            e.Prefix = (node.Name.Length > 0 ? node.Name : node.Output[0]) + "/nchwc";
            string x = node.Input[0], w = node.Input[1];
            if (conv.Channels < 0)
            {
                // Channels known only at run time: pad input and weight to a multiple of the block.
                string pad = e.Op("Mod", [e.Sub(e.Ints(blockSize), e.Op("Mod", [e.Op("Gather", [e.Shape(x), e.Ints(1)], [Attr.Int("axis", 0)]), e.Ints(blockSize)])), e.Ints(blockSize)]);
                x = e.Op("Pad", [x, e.Concat([e.Ints(0, 0, 0, 0, 0), pad, e.Ints(0, 0)], 0)]);
                w = e.Op("Pad", [w, e.Concat([e.Ints(0, 0, 0, 0, conv.PaddedOutputs - conv.Outputs), pad, e.Ints(0, 0)], 0)]);
            }
            string xb = conv.Channels >= 0 && conv.Channels < blockSize ? x
                : blockedInputs.TryGetValue(x, out var bx) ? bx
                : blockedInputs[x] = e.Op("ReorderInput", [x], [Attr.Int("channels_last", 0)], domain: NchwcDomain.Name);
            if (!blockedWeights.TryGetValue(w, out var wb))
                wb = blockedWeights[w] = BlockedWeight(e, w, conv, blockSize);
            var inputs = new List<string> { xb, wb };
            if (node.Input.Count > 2 && node.Input[2].Length > 0)
                inputs.Add(conv.PaddedOutputs > conv.Outputs ? e.PadZeros(node.Input[2], 0, conv.PaddedOutputs - conv.Outputs) : node.Input[2]);
            string yb = e.Op("Conv", inputs, node.Attribute.Select(a => a.Clone()), domain: NchwcDomain.Name);
            // The original output name is already reserved (its consumers read it), so this node is
            // made directly rather than through the builder.
            var back = new NodeProto { OpType = "ReorderOutput", Domain = NchwcDomain.Name, Name = builder.UniqueNodeName(e.Prefix + "/ReorderOutput") };
            back.Input.Add(yb);
            back.Output.Add(node.Output[0]);
            back.Attribute.Add(Attr.Int("channels", conv.Outputs));
            back.Attribute.Add(Attr.Int("channels_last", 0));
            graph.Node.Add(back);
            count++;
        }
        if (count > 0) lowered.ImportOpset(NchwcDomain.Name, NchwcDomain.Version);
        return lowered;
    }

    /// <summary>How many NCHWc Conv nodes <paramref name="model"/> has: the convs <see cref="Lower"/> rewrote (for tests and diagnostics).</summary>
    public static int CountLowered(ModelProto model) =>
        model.Graph?.Node.Count(n => n.Domain == NchwcDomain.Name && n.OpType == "Conv") ?? 0;

    /// <summary>The shapes of a lowerable conv; Channels and PaddedChannels are −1 when known only at run time.</summary>
    sealed record ConvShape(long Outputs, long Channels, long KernelH, long KernelW, long PaddedOutputs, long PaddedChannels);

    static ConvShape? Eligible(NodeProto node, ShapeInferenceResult types, int block)
    {
        if (node.OpType != "Conv" || !OnnxDomain.IsOnnx(node.Domain) || node.Input.Count < 2 || node.Output.Count != 1) return null;
        if (node.GetInt("group", 1) != 1) return null;
        var x = types.TypeOf(node.Input[0]);
        var w = types.TypeOf(node.Input[1]);
        if (x is not { ElemType: DataType.Float, Rank: 4 } || w is not { Rank: 4 }) return null;
        var (ws, xc) = (w.Shape!, x.Shape![1]);
        if (ws[0].Value is not { } outputs || outputs <= 0 || ws[2].Value is not { } kh || ws[3].Value is not { } kw) return null;
        if (xc.Value is null)
        {
            // Symbolic channels (the batch, in a weight gradient built as a Conv): the same symbol in the
            // weight, so the run-time pad makes both the same multiple of the block.
            if (xc.Symbol is not { } symbol || ws[1].Symbol != symbol) return null;
            return new ConvShape(outputs, -1, kh, kw, RoundUp(outputs, block), -1);
        }
        long c = xc.Value.Value;
        if (ws[1].Value != c || c <= 0) return null;
        var wd = new[] { outputs, c, kh, kw };
        // ReorderInput handles channel counts divisible by 4: pad others in the graph, as for symbolic ones.
        if (c >= block && c % 4 != 0) return new ConvShape(outputs, -1, kh, kw, RoundUp(outputs, block), -1);
        long padC = c < block ? c : RoundUp(c, block);
        return new ConvShape(wd[0], c, wd[2], wd[3], RoundUp(wd[0], block), padC);
    }

    /// <summary>
    /// W [M, C, kh, kw] in MLAS's blocked layout, zero-padded to [Mpad, Cpad, kh, kw]:
    /// Reshape [Mpad/B, B, Cpad/B, B, kh, kw] → Transpose [0, 2, 4, 5, 3, 1] (blocked input), or
    /// Reshape [Mpad/B, B, C, kh, kw] → Transpose [0, 2, 3, 4, 1] (plain NCHW input, C below B).
    /// </summary>
    static string BlockedWeight(Emitter e, string w, ConvShape s, int b)
    {
        if (s.Channels < 0) // already padded at run time; the channel blocks are inferred
            return e.Reshape(e.Transpose(e.Reshape(w, s.PaddedOutputs / b, b, -1, b, s.KernelH, s.KernelW), 0, 2, 4, 5, 3, 1),
                s.PaddedOutputs, -1, s.KernelH, s.KernelW);
        long dm = s.PaddedOutputs - s.Outputs, dc = s.PaddedChannels - s.Channels;
        string padded = dm > 0 || dc > 0 ? e.PadZeros(w, 0, 0, 0, 0, dm, dc, 0, 0) : w;
        string t = s.Channels < b
            ? e.Transpose(e.Reshape(padded, s.PaddedOutputs / b, b, s.Channels, s.KernelH, s.KernelW), 0, 2, 3, 4, 1)
            : e.Transpose(e.Reshape(padded, s.PaddedOutputs / b, b, s.PaddedChannels / b, b, s.KernelH, s.KernelW), 0, 2, 4, 5, 3, 1);
        return e.Reshape(t, s.PaddedOutputs, s.PaddedChannels, s.KernelH, s.KernelW);
    }

    static long RoundUp(long v, long b) => (v + b - 1) / b * b;
}
