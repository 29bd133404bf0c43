using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Data;

/// <summary>The model input a data set is fitted to (<see cref="InputFit"/>).</summary>
/// <param name="Name">The input's name in the graph, for messages.</param>
/// <param name="Shape">Its full shape, batch axis first; a dimension ≤ 0 is symbolic and takes the data's size.</param>
/// <param name="Layout">Where its channel axis is.</param>
public sealed record ModelInput(string Name, IReadOnlyList<long> Shape, InputLayout Layout = InputLayout.ChannelsFirst)
{
    /// <summary>
    /// The input <paramref name="name"/> of <paramref name="shape"/> with its layout read from the
    /// shape: a rank-4 input whose last axis is 1 or 3 and whose second axis is a fixed size other
    /// than 1 or 3 is channels-last ([N, H, W, C], as TensorFlow exports), every other input
    /// channels-first.
    /// </summary>
    public static ModelInput Of(string name, IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var last = shape.Count == 4 && shape[3] is 1 or 3 && shape[1] is > 0 and not (1 or 3);
        return new ModelInput(name, shape, last ? InputLayout.ChannelsLast : InputLayout.ChannelsFirst);
    }

    /// <summary>
    /// As <see cref="Of(string, IReadOnlyList{long})"/>, with the layout read from the graph first
    /// where it says: a rank-4 input that a Transpose with perm [0, 3, 1, 2] reads (tf2onnx's
    /// export of a Keras model: NHWC in, NCHW for the convolutions) is channels-last, one that a
    /// Conv reads directly is channels-first, whatever its sizes (a symbolic H and W, or
    /// [N, 3, 3, 3], leave the shape alone undecided). Identity and Cast are looked through.
    /// </summary>
    public static ModelInput Of(string name, IReadOnlyList<long> shape, GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var byShape = Of(name, shape);
        if (shape.Count != 4) return byShape;
        var readers = Readers(graph, name).ToList();
        if (readers.Any(n => n.OpType == "Transpose" && n.GetInts("perm") is [0, 3, 1, 2]))
            return byShape with { Layout = InputLayout.ChannelsLast };
        if (readers.Any(n => n.OpType == "Conv"))
            return byShape with { Layout = InputLayout.ChannelsFirst };
        return byShape;
    }

    /// <summary>The default-domain nodes that read <paramref name="value"/>, through Identity and Cast.</summary>
    static IEnumerable<NodeProto> Readers(GraphProto graph, string value)
    {
        foreach (var n in graph.Node.Where(n => OnnxDomain.IsOnnx(n.Domain) && n.Input.Contains(value)))
        {
            if (n.OpType is "Identity" or "Cast")
                foreach (var r in Readers(graph, n.Output[0])) yield return r;
            else yield return n;
        }
    }
}
