using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;

namespace Neq.Onnx.Neurons;

/// <summary>
/// The operator <c>ai.neq::MaskGate(P, mask) → P_gated</c> with INT attribute <c>axis</c>: the
/// identity on the parameter P in the forward pass; its gradient (Autodiff/Rules/MaskRules.cs) is
/// dP = G · mask, the mask broadcast along P's <c>axis</c>, so a masked channel's parameters get a
/// zero gradient while gradients still flow through the layer to earlier ones. It is stored in the
/// model as an ONNX function whose body is Identity(P) (ONNX Runtime accepts the unused mask input
/// and attribute, and inlines it to nothing), so a gated graph runs in plain ONNX Runtime.
/// </summary>
public static class MaskGate
{
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
        NeqDomain.EnsureFunction(model, Function(model.OpsetOf("") ?? OnnxModel.DefaultOpset));

    /// <summary>
    /// Appends <c>MaskGate(<paramref name="parameter"/>, <paramref name="mask"/>)</c> gating along
    /// <paramref name="axis"/>; returns the gated value, named <see cref="NeuronNames.Gated"/> (made
    /// unique). When <paramref name="type"/> is given, the gated value's type is recorded in the
    /// graph's value_info (it equals the parameter's), so tools that do not read functions know it.
    /// </summary>
    public static string Emit(GraphBuilder builder, string parameter, string mask, int axis, TensorType? type = null)
    {
        var gated = builder.Op(OpType, [parameter, mask], [Attr.Int(AxisAttribute, axis)],
            output: NeuronNames.Gated(parameter), name: NeuronNames.Gated(parameter), domain: NeqDomain.Name);
        if (type is not null) builder.Graph.ValueInfo.Add(type.ToValueInfo(gated));
        return gated;
    }
}
