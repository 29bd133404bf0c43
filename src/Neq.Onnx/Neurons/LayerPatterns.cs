using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Neurons;

// Shape legend: C = channels (output units) of a layer; r = rank of a layer's output; k = rank of
// a bias tensor, which broadcasts against the output aligned to the right (numpy rules).

/// <summary>The layer shapes that the normalizer and the layer finder agree on.</summary>
static class LayerPatterns
{
    /// <summary>Inputs of a layer node that hold parameters (weights, biases, BN statistics).</summary>
    public static int[] ParameterInputs(NodeProto n) => !OnnxDomain.IsOnnx(n.Domain) ? [] : n.OpType switch
    {
        "Conv" or "Gemm" => [1, 2],
        "BatchNormalization" => [1, 2, 3, 4],
        "MatMul" => [1],
        _ => [],
    };

    /// <summary>
    /// The parameter a node input reads: the input itself when it is an initializer, or the
    /// initializer behind a MaskGate (so that an already gated model gives the same layers); else null.
    /// </summary>
    public static string? Parameter(GraphIndex g, string value)
    {
        if (g.ProducerOf(value) is { } p && GraphIndex.IsMaskGate(p)) value = p.Input[0];
        return g.Initializers.ContainsKey(value) ? value : null;
    }

    /// <summary>The weight initializer of a Conv, Gemm or MatMul whose output has channels we can count, else null.</summary>
    public static TensorProto? DenseOrConvWeight(GraphIndex g, NodeProto n)
    {
        if (n.Input.Count < 2 || Parameter(g, n.Input[1]) is not { } w) return null;
        var t = g.Initializers[w];
        return GraphIndex.IsOnnx(n, "Conv") && t.Dims.Count >= 3 ? t
            : (GraphIndex.IsOnnx(n, "Gemm") || GraphIndex.IsOnnx(n, "MatMul")) && t.Dims.Count == 2 ? t
            : null;
    }

    /// <summary>Output channels of a Conv ([C, Cin/g, k…]), Gemm (transB ? [C, in] : [in, C]) or MatMul ([in, C]).</summary>
    public static long Channels(NodeProto n, TensorProto weight) =>
        GraphIndex.IsOnnx(n, "Conv") ? weight.Dims[0]
        : GraphIndex.IsOnnx(n, "Gemm") && n.GetInt("transB", 0) != 0 ? weight.Dims[0]
        : weight.Dims[1];

    /// <summary>
    /// The axis of a bias tensor of dims <paramref name="bias"/> along which the layer's C channels
    /// lie, when it is a per-channel bias of that layer (C there, 1 elsewhere); else null. Conv
    /// outputs hold channels on axis 1 of r = rank of the weight; dense outputs on the last axis.
    /// </summary>
    public static int? BiasAxis(NodeProto layer, TensorProto weight, IReadOnlyList<long> bias)
    {
        long c = Channels(layer, weight);
        int k = bias.Count;
        int axis;
        if (GraphIndex.IsOnnx(layer, "Conv"))
        {
            int r = weight.Dims.Count;
            axis = 1 - (r - k);
            if (k > r) return null;
        }
        else axis = k - 1;
        if (axis < 0 || bias[axis] != c) return null;
        for (int a = 0; a < k; a++)
            if (a != axis && bias[a] != 1) return null;
        return axis;
    }

    /// <summary>
    /// The channel axis of a layer's own bias input: Conv's B is [C] (axis 0); Gemm's C
    /// broadcasts like an Add bias (<see cref="BiasAxis"/>). Null when it is not per channel.
    /// </summary>
    public static int? OwnBiasAxis(NodeProto layer, TensorProto weight, IReadOnlyList<long> bias) =>
        !GraphIndex.IsOnnx(layer, "Conv") ? BiasAxis(layer, weight, bias)
        : bias.Count == 1 && bias[0] == Channels(layer, weight) ? 0 : null;

    /// <summary>
    /// The Add that applies a separate bias to a Conv/Gemm/MatMul output (the output's only
    /// reader, not itself a graph output), and which of its inputs is the bias; else null.
    /// </summary>
    public static (NodeProto Add, int BiasInput)? SeparateBiasAdd(GraphIndex g, NodeProto layer)
    {
        var y = layer.Output[0];
        if (g.Outputs.Contains(y) || g.ReadBySubgraphs.Contains(y)) return null;
        var readers = g.ConsumersOf(y);
        if (readers.Count != 1 || !GraphIndex.IsOnnx(readers[0].Node, "Add")) return null;
        var (add, i) = readers[0];
        if (add.Input.Count != 2 || add.Input[0] == add.Input[1]) return null;
        return (add, 1 - i);
    }
}
