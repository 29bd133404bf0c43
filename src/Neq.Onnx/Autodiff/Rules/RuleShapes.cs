using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Autodiff.Rules;

// Small readers shared by the rule families: build-time constants, axes, shapes. A shape is a
// constant when shape inference knows every size and a Shape node otherwise; the node that
// consumes it is the same either way, so each rule has one form.

/// <summary>Helpers the gradient rules share for shapes, axes and constant inputs.</summary>
static class RuleShapes
{
    /// <summary>The shape of <paramref name="value"/> as an int64 vector: a constant when fully known, else Shape(value).</summary>
    public static string ShapeOf(this GradContext c, string value) =>
        c.TypeOf(value) is { IsFullyKnown: true } t ? c.Ints(t.KnownDims()) : c.Shape(value);

    /// <summary>The int64 contents of input <paramref name="value"/> when known at build time; null when absent or computed.</summary>
    public static long[]? ConstInts(this GradContext c, string value) =>
        value.Length == 0 ? null : c.ConstantOf(value)?.ToInt64Array();

    /// <summary>As <see cref="ConstInts"/>, but a clear error naming the node when the value is not a constant.</summary>
    public static long[] RequireConstInts(this GradContext c, string value, string what) =>
        c.ConstInts(value) ?? throw c.Error($"its {what} ('{value}') must be known when the graph is built to derive the gradient");

    /// <summary>An axis in [0, rank): negative axes count from the end.</summary>
    public static long NormalizeAxis(long axis, int rank) => axis < 0 ? axis + rank : axis;

    /// <summary>A user-facing error naming the node: "Node 'n' (Op): <paramref name="why"/>."</summary>
    public static OnnxFormatException Error(this GradContext c, string why) =>
        new($"Node '{GradContext.NodeId(c.Node)}' ({c.Node.OpType}): {why}.");
}
