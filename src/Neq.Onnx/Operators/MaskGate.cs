using Neq.Onnx.Autodiff;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;

namespace Neq.Onnx.Operators;

// Shape legend: P is a parameter of rank r whose axis `axis` indexes the layer's C channels;
// mask is [C] of 0/1; G (the incoming gradient) has P's shape.

/// <summary>
/// The operator <c>ai.neq::MaskGate(P, mask) → P_gated</c> with INT attribute <c>axis</c>: the
/// identity on the parameter P in the forward pass; its gradient (<see cref="Gradient"/>) is
/// dP = G · mask, the mask broadcast along P's <c>axis</c>, so a masked channel's parameters get a
/// zero gradient while gradients still flow through the layer to earlier ones. It is stored in the
/// model as an ONNX function whose body is Identity(P) (ONNX Runtime accepts the unused mask input
/// and attribute, and inlines it to nothing), so a gated graph runs in plain ONNX Runtime.
/// It has no shape rule: <see cref="Emit"/> records the gated value's type in value_info.
/// </summary>
public static class MaskGate
{
    /// <summary>The operator's entry in the gradient and shape tables (<see cref="ProjectOperators"/>).</summary>
    internal static ProjectOperator Registration { get; } = new(OpType, Gradient, Shape: null);

    /// <summary>Operator type in <see cref="NeqDomain"/>.</summary>
    public const string OpType = "MaskGate";

    /// <summary>Name of the attribute that holds P's channel axis.</summary>
    public const string AxisAttribute = "axis";

    /// <summary>The function definition, its body written against default-domain opset <paramref name="opset"/>.</summary>
    public static FunctionProto Function(long opset)
    {
        var f = new FunctionProto
        {
            Name = OpType,
            Domain = NeqDomain.Name,
            DocString = "P_gated = P. Marks P as gated by mask (float [C], 0/1) along axis: its gradient is dP = dP_gated * mask.",
        };
        f.Input.Add("P");
        f.Input.Add("mask");
        f.Output.Add("P_gated");
        f.Attribute.Add(AxisAttribute);
        f.Node.Add(new NodeProto { OpType = "Identity", Input = { "P" }, Output = { "P_gated" } });
        f.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return f;
    }

    /// <summary>Adds the function to <paramref name="model"/> (once) at the model's default-domain opset.</summary>
    public static void EnsureDefined(ModelProto model) =>
        NeqDomain.AddFunction(model, OpType, () => Function(model.OpsetOf("") ?? OnnxModel.DefaultOpset));

    /// <summary>
    /// Appends <c>MaskGate(<paramref name="parameter"/>, <paramref name="mask"/>)</c> gating along
    /// <paramref name="axis"/>, node and output named <paramref name="output"/> (made unique);
    /// returns the gated value. When <paramref name="type"/> is given, the gated value's type is
    /// recorded in the graph's value_info (it equals the parameter's), so tools that do not read
    /// functions know it.
    /// </summary>
    public static string Emit(GraphBuilder builder, string parameter, string mask, int axis, string output, TensorType? type = null)
    {
        var gated = builder.Op(OpType, [parameter, mask], [Attr.Int(AxisAttribute, axis)],
            output: output, name: output, domain: NeqDomain.Name);
        if (type is not null) builder.Graph.ValueInfo.Add(type.ToValueInfo(gated));
        return gated;
    }

    /// <summary>True for a MaskGate node.</summary>
    public static bool Is(NodeProto n) => n.Domain == NeqDomain.Name && n.OpType == OpType;

    /// <summary>
    /// P_gated = P (forward identity): dP = G · mask, the mask reshaped to 1 on every axis but
    /// <c>axis</c> so that channel c's slice of P is scaled by mask[c]; no gradient for the mask.
    /// </summary>
    internal static Grad?[] Gradient(GradContext c) => c.Result(() =>
    {
        int rank = c.Rank(c.I(0));
        long axis = c.Node.GetInt(AxisAttribute, 0);
        if (axis < 0) axis += rank;
        var mask = c.ElemType(c.I(1)) == c.ElemType(c.I(0)) ? c.I(1) : c.Cast(c.I(1), c.ElemType(c.I(0)));
        if (rank > 1)
        {
            var shape = Enumerable.Repeat(1L, rank).ToArray();
            shape[axis] = -1;
            mask = c.Reshape(mask, shape);
        }
        return c.Mul(c.G, mask);
    });
}
