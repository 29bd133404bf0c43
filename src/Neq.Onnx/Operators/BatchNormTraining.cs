using Neq.Onnx.Autodiff;
using Neq.Onnx.Autodiff.Rules;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using AttributeType = Neq.Onnx.Ir.AttributeProto.Types.AttributeType;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Operators;

/// <summary>
/// <c>ai.neq::BatchNormTraining</c>: batch normalization in training mode, as PyTorch's
/// BatchNorm layers compute it, defined as an ONNX function of standard operators so that every
/// execution provider runs it (ONNX Runtime's CUDA provider has no training-mode
/// BatchNormalization from opset 14 on).
/// <para>
/// Inputs X [N, C, …] (rank ≥ 2), scale [C], B [C], running_mean [C], running_var [C];
/// attributes epsilon (default 1e-5) and momentum (PyTorch's meaning, default 0.1). Outputs:
/// Y = scale·(X − μ)/√(σ² + ε) + B with the batch mean μ and biased batch variance σ² over every
/// axis but 1; running_mean_out = (1 − momentum)·running_mean + momentum·μ;
/// running_var_out = (1 − momentum)·running_var + momentum·σ²·M/max(M − 1, 1) (the unbiased variance,
/// M = elements per channel; σ² = 0 when M = 1); saved_mean = μ; saved_inv_std = 1/√(σ² + ε).
/// </para>
/// <para>
/// The body computes μ and σ² with ReduceMean over X viewed as [N, C, −1] (so one body serves
/// every rank) and Y with an inference-mode BatchNormalization fed the batch statistics (the
/// fast kernel). ε and momentum are attribute references (ONNX Runtime 1.31 resolves them when it
/// inlines the function; tested), so one function serves every node. Scalars take X's element
/// type through CastLike from opset 15; below it through a Cast to the element type of the first
/// node converted, and below opset 12, which cannot turn a float attribute into a tensor, ε and
/// momentum of the first node are baked in: all nodes of such a model must then agree.
/// </para>
/// <para>
/// Its gradient (<see cref="Gradient"/>) is the training-mode BatchNormalization gradient with x̂
/// recomputed from saved_mean and saved_inv_std; its shape rule is training-mode
/// BatchNormalization's.
/// </para>
/// </summary>
public static class BatchNormTraining
{
    /// <summary>The operator's entry in the gradient and shape tables (<see cref="ProjectOperators"/>).</summary>
    internal static ProjectOperator Registration { get; } = new(OpType, Gradient, ShapeRules.BatchNormalization);

    /// <summary>The operator's name in <see cref="NeqDomain"/>.</summary>
    public const string OpType = "BatchNormTraining";

    /// <summary>PyTorch's default momentum.</summary>
    public const float DefaultMomentum = 0.1f;

    /// <summary>ONNX's (and PyTorch's) default epsilon.</summary>
    public const float DefaultEpsilon = 1e-5f;

    static readonly string[] Inputs = ["X", "scale", "B", "input_mean", "input_var"];
    static readonly string[] Outputs = ["Y", "running_mean", "running_var", "saved_mean", "saved_inv_std"];

    /// <summary>
    /// Turns the BatchNormalization node <paramref name="bn"/> of <paramref name="model"/>'s
    /// main graph into a BatchNormTraining node in place (same name, inputs and Y) and makes
    /// sure the model defines the function. Outputs 1–4 keep the names <paramref name="bn"/>
    /// already gave them, else get new ones (<c>&lt;node&gt;/running_mean</c> …). momentum
    /// defaults to 1 − the node's ONNX momentum (ONNX weights the old running value by it) or,
    /// without one, <see cref="DefaultMomentum"/>. Returns the node; its outputs are
    /// Y, running_mean_out, running_var_out, saved_mean, saved_inv_std.
    /// </summary>
    public static NodeProto Replace(ModelProto model, NodeProto bn, float? momentum = null)
    {
        var id = bn.Name.Length > 0 ? bn.Name : bn.Output[0];
        if (bn.OpType != "BatchNormalization" || !OnnxDomain.IsOnnx(bn.Domain))
            throw new OnnxFormatException($"Node '{id}' is a {bn.OpType}, not a BatchNormalization.");
        if (bn.Input.Count < 5 || bn.Input.Take(5).Any(i => i.Length == 0))
            throw new OnnxFormatException($"Node '{id}' (BatchNormalization) must have all five inputs.");
        if (bn.GetInt("spatial", 1) == 0)
            throw new OnnxFormatException($"Node '{id}' (BatchNormalization) normalizes per activation (spatial=0), which BatchNormTraining does not.");

        var opset = model.OpsetOf("") ?? OnnxModel.DefaultOpset;
        float m = momentum ?? (bn.Find("momentum") is { } onnxMomentum ? 1 - onnxMomentum.F : DefaultMomentum);
        float eps = bn.GetFloat("epsilon", DefaultEpsilon);
        // Below opset 9 Constant holds no int64 (no shape for a Reshape): the body then reduces
        // over X's own axes, so it is made for one rank.
        int rank = opset >= 9 ? 0 : ShapeInference.Infer(model).TypeOf(bn.Input[0])?.Rank
            ?? throw new OnnxFormatException($"Node '{id}' (BatchNormalization): below opset 9 the rank of its input '{bn.Input[0]}' must be known.");
        var body = new Body(opset, ElemTypeOf(model.Graph, bn.Input[0]) ?? ElemTypeOf(model.Graph, bn.Input[1]) ?? DataType.Float, eps, m, rank);
        var f = NeqDomain.AddFunction(model, OpType, () => Define(body));
        if (f.DocString != body.Signature)
            throw new OnnxFormatException(
                $"Node '{id}' (BatchNormalization): the model's BatchNormTraining function was made for {f.DocString}; this node needs {body.Signature}. Below opset 15 (element type) and 12 (epsilon, momentum) one function body cannot serve both.");

        var builder = new GraphBuilder(model.Graph);
        var outputs = new string[Outputs.Length];
        outputs[0] = bn.Output[0];
        for (int i = 1; i < outputs.Length; i++)
            outputs[i] = i < bn.Output.Count && bn.Output[i].Length > 0 ? bn.Output[i] : builder.UniqueName($"{id}/{Outputs[i]}");

        var inputs = bn.Input.Take(5).ToArray();
        bn.OpType = OpType;
        bn.Domain = NeqDomain.Name;
        bn.Input.Clear();
        bn.Input.AddRange(inputs);
        bn.Output.Clear();
        bn.Output.AddRange(outputs);
        bn.Attribute.Clear();
        bn.Attribute.Add(Attr.Float("epsilon", eps));
        bn.Attribute.Add(Attr.Float("momentum", m));
        return bn;
    }

    /// <summary>
    /// As <see cref="Replace(ModelProto, NodeProto, float?)"/> for the BatchNormalization node
    /// producing <paramref name="y"/>, its updated running statistics (outputs 1 and 2) named
    /// <paramref name="runningMeanOut"/> and <paramref name="runningVarOut"/>.
    /// </summary>
    public static NodeProto Replace(ModelProto model, string y, string runningMeanOut, string runningVarOut)
    {
        var bn = model.Graph.Node.Single(n => n.Output.Count > 0 && n.Output[0] == y);
        // Name outputs 1 and 2 before the conversion, which keeps names a node already gives.
        bn.Output.Add(runningMeanOut);
        bn.Output.Add(runningVarOut);
        return Replace(model, bn);
    }

    /// <summary>
    /// The gradient: the training-mode one of <see cref="NormalizationRules"/> with x̂ recomputed
    /// from the node's saved_mean (output 3) and saved_inv_std (output 4).
    /// </summary>
    internal static Grad?[] Gradient(GradContext c)
    {
        NormalizationRules.RejectSavedStatisticsGradients(c);
        if (c.GO(0) is null) return c.None();
        var x = c.I(0);
        int rank = c.Rank(x);
        var inv = NormalizationRules.PerChannel(c, c.O(4), rank);
        return NormalizationRules.TrainingGrad(c, c.Mul(c.Sub(x, NormalizationRules.PerChannel(c, c.O(3), rank)), inv), inv, rank);
    }

    /// <summary>
    /// What a function body depends on besides the attributes it references. ONNX Runtime inlines
    /// a function with the model's opset, so the body is written in it; below opset 15 (no
    /// CastLike) scalars are cast to <paramref name="ElemType"/>, and below opset 12 (no
    /// Constant value_float to reference an attribute from) ε and momentum are baked in.
    /// <see cref="Signature"/> records in the function's doc string what was fixed.
    /// </summary>
    sealed record Body(long Opset, DataType ElemType, float Epsilon, float Momentum, int Rank)
    {
        public string Signature =>
            Opset >= 15 ? $"opset {Opset}"
            : Opset >= 12 ? $"opset {Opset}, element type {ElemType}"
            : Opset >= 9 ? FormattableString.Invariant($"opset {Opset}, element type {ElemType}, epsilon {Epsilon}, momentum {Momentum}")
            : FormattableString.Invariant($"opset {Opset}, element type {ElemType}, epsilon {Epsilon}, momentum {Momentum}, rank {Rank}");
    }

    /// <summary>The function's definition (see <see cref="Body"/>).</summary>
    static FunctionProto Define(Body body)
    {
        long opset = body.Opset;
        var graph = new GraphProto { Name = OpType };
        foreach (var i in Inputs) graph.Input.Add(new ValueInfoProto { Name = i });
        var e = new Emitter(new GraphBuilder(graph), opset, "bn");
        string Scalar(string name, float value, bool fromAttribute)
        {
            if (opset < 12)
                return e.Op("Constant", [], [Attr.Tensor("value", Tensors.Scalar("", body.ElemType, value))], name);
            var attr = fromAttribute
                ? new AttributeProto { Name = "value_float", RefAttrName = name, Type = AttributeType.Float }
                : Attr.Float("value_float", value);
            var v = e.Op("Constant", [], [attr], name);
            return opset >= 15 ? e.Op("CastLike", [v, "X"]) : e.Cast(v, body.ElemType);
        }
        string Typed(string v) => opset >= 15 ? e.Op("CastLike", [v, "X"]) : e.Cast(v, body.ElemType);

        string mean, variance;
        if (opset >= 9)
        {
            // Batch statistics over N and the flattened spatial axes of X as [N, C, L].
            var x3 = e.Reshape("X", 0, 0, -1);
            var mean3 = e.ReduceMean(x3, [0, 2], keepDims: true);
            var centered = e.Sub(x3, mean3);
            var var3 = e.ReduceMean(e.Mul(centered, centered), [0, 2], keepDims: true);
            mean = e.OpTo("saved_mean", "Reshape", [mean3, e.Ints(-1)]);
            variance = e.Reshape(var3, -1);
        }
        else
        {
            // Opset 8: axes as attributes only, over every axis but 1 of a rank-Rank X.
            long[] axes = [0, .. Enumerable.Range(2, body.Rank - 2).Select(a => (long)a)];
            var meanK = e.ReduceMean("X", axes, keepDims: true);
            var centered = e.Sub("X", meanK);
            var varK = e.ReduceMean(e.Mul(centered, centered), axes, keepDims: true);
            mean = e.OpTo("saved_mean", "Squeeze", [meanK], [Attr.Ints("axes", axes)]);
            variance = e.Squeeze(varK, axes);
        }

        var epsilonRef = new AttributeProto { Name = "epsilon", RefAttrName = "epsilon", Type = AttributeType.Float };
        var bnInputs = new[] { "X", "scale", "B", mean, variance };
        e.B.AddNode(new NodeSpec("BatchNormalization", bnInputs, ["Y"], [epsilonRef], "bn/BatchNormalization"));
        e.OpTo("saved_inv_std", "Reciprocal", [e.Sqrt(e.Add(variance, Scalar("epsilon", body.Epsilon, fromAttribute: true)))]);

        // PyTorch's running statistics: the variance is the unbiased one, M/(M − 1)·σ². One element
        // per channel (a rank-2 BN at batch 1) has σ² = 0 and no unbiased estimate: M/max(M − 1, 1)
        // keeps it 0 instead of 0·∞ = NaN, which would poison the running variance for good.
        var momentum = Scalar("momentum", body.Momentum, fromAttribute: true);
        var one = Scalar("one", 1, fromAttribute: false);
        var keep = e.Sub(one, momentum);
        var count = Typed(e.Div(e.Op("Size", ["X"]), e.Op("Size", ["scale"])));
        var unbiased = e.Mul(variance, e.Div(count, e.Op("Max", [e.Sub(count, one), one])));
        e.OpTo("running_mean", "Add", [e.Mul("input_mean", keep), e.Mul(mean, momentum)]);
        e.OpTo("running_var", "Add", [e.Mul("input_var", keep), e.Mul(unbiased, momentum)]);

        var f = new FunctionProto { Name = OpType, Domain = NeqDomain.Name, DocString = body.Signature };
        f.Input.AddRange(Inputs);
        f.Output.AddRange(Outputs);
        f.Attribute.AddRange(["epsilon", "momentum"]);
        f.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        // Function bodies have no initializers: the emitter's constants become Constant nodes.
        foreach (var t in graph.Initializer)
        {
            var value = t.Clone();
            value.ClearName();
            f.Node.Add(new NodeProto { OpType = "Constant", Name = t.Name, Output = { t.Name }, Attribute = { Attr.Tensor("value", value) } });
        }
        f.Node.AddRange(graph.Node);
        return f;
    }

    /// <summary>The element type the graph declares for <paramref name="value"/>, or null.</summary>
    static DataType? ElemTypeOf(GraphProto g, string value)
    {
        foreach (var t in g.Initializer)
            if (t.Name == value) return (DataType)t.DataType;
        foreach (var vi in g.Input.Concat(g.ValueInfo).Concat(g.Output))
            if (vi.Name == value && vi.Type?.TensorType is { } tt) return (DataType)tt.ElemType;
        return null;
    }
}
