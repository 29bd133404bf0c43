using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Shapes;

/// <summary>
/// Infers the element type and shape of every value of a graph, and folds values computable from
/// constants and static shapes (Shape→Gather→Unsqueeze→Concat chains and the like) to constants.
/// Symbolic dimensions stay symbolic.
/// </summary>
/// <remarks>
/// Types are seeded from graph inputs, initializers (an initializer that is also a graph input is
/// not a constant, since a caller may feed another value), declared value_info and graph outputs;
/// then nodes are visited in order, each by the rule for its operator in <see cref="ShapeRules"/>.
/// Operators without a rule, or of another domain than ONNX's and the project's (ai.neq), leave
/// their outputs unknown (or as declared).
/// Inference never throws on unusual input; it throws <see cref="OnnxFormatException"/>, naming
/// the node, only for a contradiction that makes the graph invalid (such as Concat of mismatched
/// sizes, or a Conv whose weight does not match its input's channels).
/// </remarks>
public static class ShapeInference
{
    /// <summary>Infers types for the model's main graph, at the model's default-domain opset.</summary>
    /// <exception cref="OnnxFormatException">The graph contradicts itself (the message names the node).</exception>
    public static ShapeInferenceResult Infer(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null) return Infer(new GraphProto(), OnnxModel.DefaultOpset);
        return Infer(model.Graph, model.OpsetOf("") ?? OnnxModel.DefaultOpset);
    }

    /// <summary>Infers types for <paramref name="graph"/>, reading its nodes at default-domain opset <paramref name="opset"/>.</summary>
    /// <exception cref="OnnxFormatException">The graph contradicts itself (the message names the node).</exception>
    public static ShapeInferenceResult Infer(GraphProto graph, long opset) => Infer(graph, opset, Folded.MaxElements);

    /// <summary>
    /// As <see cref="Infer(GraphProto, long)"/>, folding tensors of up to <paramref name="maxFoldElements"/>
    /// elements (weights, not only shapes: see Neurons/ConstantChain).
    /// </summary>
    internal static ShapeInferenceResult Infer(GraphProto graph, long opset, long maxFoldElements)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var state = new InferenceState { MaxElements = maxFoldElements };
        var inputs = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var t in graph.Initializer) state.SeedInitializer(t, isConstant: !inputs.Contains(t.Name));
        foreach (var vi in graph.Input) state.SeedInput(vi);
        foreach (var vi in graph.ValueInfo.Concat(graph.Output)) state.Declare(vi);
        foreach (var node in graph.Node) Visit(state, node, opset);
        return state.Result();
    }

    static void Visit(InferenceState state, NodeProto node, long opset)
    {
        var table = OnnxDomain.IsOnnx(node.Domain) ? ShapeRules.Table
            : node.Domain == NeqDomain.Name ? ShapeRules.NeqTable
            : null;
        if (table is null || !table.TryGetValue(node.OpType, out var rule)) return;
        try
        {
            rule(new NodeContext(state, node, opset));
        }
        catch (Exception e) when (e is ArithmeticException or IndexOutOfRangeException or ArgumentException
            or InvalidOperationException or NotSupportedException or InvalidCastException)
        {
            // Malformed attributes or data (wrong lengths, overflowing sizes): the node's outputs
            // stay unknown rather than failing a caller that may not need them.
        }
    }
}
