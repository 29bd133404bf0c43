using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Autodiff;

/// <summary>
/// What a gradient rule sees: the forward node (I(i), O(i)), the incoming gradients (GO(i)),
/// which inputs need a gradient, inferred types and folded constants, and — inherited from
/// <see cref="Emitter"/> — the vocabulary to emit backward nodes named <c>&lt;node&gt;_grad/…</c>.
/// </summary>
public sealed class GradContext : Emitter
{
    readonly string?[] _go;
    readonly bool[] _needs;
    readonly ShapeInferenceResult _shapes;
    readonly IReadOnlyDictionary<string, RowSubset>? _onlyRows;

    internal GradContext(GraphBuilder builder, long opset, NodeProto node, string?[] go, bool[] needs, ShapeInferenceResult shapes,
        IReadOnlyDictionary<string, RowSubset>? onlyRows = null, bool weightGradAsConv = false)
        : base(builder, opset, NodeId(node) + "_grad")
    {
        WeightGradAsConv = weightGradAsConv;
        Node = node;
        _go = go;
        _needs = needs;
        _shapes = shapes;
        _onlyRows = onlyRows;
    }

    /// <summary>A stable identifier of a node: its name, else its first output.</summary>
    public static string NodeId(NodeProto node) => node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault() ?? node.OpType;

    /// <summary>The forward node.</summary>
    public NodeProto Node { get; }

    /// <summary>Whether 2-D conv weight gradients are built as one swapped Conv (<see cref="GradientOptions.WeightGradAsConv"/>).</summary>
    public bool WeightGradAsConv { get; }

    /// <summary>Number of forward inputs (including omitted optional ones).</summary>
    public int InputCount => Node.Input.Count;

    /// <summary>Forward input <paramref name="i"/>; "" when absent.</summary>
    public string I(int i) => i < Node.Input.Count ? Node.Input[i] : "";

    /// <summary>True when forward input <paramref name="i"/> is present.</summary>
    public bool HasI(int i) => I(i).Length > 0;

    /// <summary>Forward output <paramref name="i"/>.</summary>
    public string O(int i) => Node.Output[i];

    /// <summary>The gradient flowing into output <paramref name="i"/>, or null when none does.</summary>
    public string? GO(int i) => i < _go.Length ? _go[i] : null;

    /// <summary>True when input <paramref name="i"/> is on a path to a parameter that needs a gradient.</summary>
    public bool NeedsGI(int i) => i < _needs.Length && _needs[i];

    /// <summary>
    /// The slices of forward input <paramref name="i"/> whose gradient is needed
    /// (<see cref="GradientOptions.OnlyRows"/>), or null when all are: a rule may then return
    /// <see cref="Grad.Rows"/> with just those slices.
    /// </summary>
    // The engine places the rows with ScatterND, an opset-11 operator: older graphs get every row.
    public RowSubset? OnlyRows(int i) => NeedsGI(i) && Opset >= 11 ? _onlyRows?.GetValueOrDefault(I(i)) : null;

    /// <summary>The slices <paramref name="rows"/> names of <paramref name="value"/> along <paramref name="axis"/>, in that order (a Gather).</summary>
    public string GatherRows(string value, long axis, RowSubset rows) =>
        Op("Gather", [value, B.Const($"{Prefix}/rows", Tensors.Int64("", [rows.Indices.Count], rows.Indices.ToArray()))], [Attr.Int("axis", axis)]);

    /// <summary>The inferred type of a value, or null.</summary>
    public TensorType? TypeOf(string value) => _shapes.TypeOf(value);

    /// <summary>The inferred type of a value; throws a clear error naming the node when unknown.</summary>
    public TensorType Type(string value) => _shapes.TypeOf(value)
        ?? throw new Io.OnnxFormatException($"Node '{NodeId(Node)}' ({Node.OpType}): the type of '{value}' is unknown; its gradient cannot be built.");

    /// <summary>The rank of a value; throws when unknown.</summary>
    public int Rank(string value) => Type(value).Rank
        ?? throw new Io.OnnxFormatException($"Node '{NodeId(Node)}' ({Node.OpType}): the rank of '{value}' is unknown; its gradient cannot be built.");

    /// <summary>The element type of a value (float when unknown).</summary>
    public DataType ElemType(string value) => _shapes.TypeOf(value)?.ElemType ?? DataType.Float;

    /// <summary>The value's contents when it is known at build time, else null.</summary>
    public TensorProto? ConstantOf(string value) => _shapes.Constants.GetValueOrDefault(value);

    /// <summary>A scalar constant of the element type of <paramref name="like"/>.</summary>
    public string ScalarLike(double value, string like) => Scalar(value, ElemType(like));

    /// <summary>A result array of one null entry per forward input, to fill in.</summary>
    public Grad?[] None() => new Grad?[InputCount];

    /// <summary>
    /// Builds a result from one gradient function per forward input (missing trailing entries
    /// mean none); a function runs only when its input needs a gradient, so no node is emitted
    /// for gradients nobody uses.
    /// </summary>
    public Grad?[] Result(params Func<Grad?>?[] grads)
    {
        var r = None();
        for (int i = 0; i < grads.Length && i < r.Length; i++)
            if (NeedsGI(i) && grads[i] is { } f) r[i] = f();
        return r;
    }

    /// <summary>The incoming gradient of output 0 (rules only run when one flows).</summary>
    public string G => GO(0) ?? throw new InvalidOperationException($"Node '{NodeId(Node)}': no gradient flows into output 0.");
}
