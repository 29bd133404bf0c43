using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Shapes;

/// <summary>
/// What a shape rule sees of one node: its inputs' types and folded values, its attributes, the
/// opset, and setters for its outputs. The vocabulary of every rule in <see cref="ShapeRules"/>.
/// </summary>
internal sealed class NodeContext(InferenceState state, NodeProto node, long opset)
{
    public NodeProto Node { get; } = node;
    public long Opset { get; } = opset;

    public bool Has(int input) => input < Node.Input.Count && Node.Input[input].Length > 0;
    public int InputCount => Node.Input.Count;
    public int OutputCount => Node.Output.Count;

    /// <summary>Largest tensor the rules fold (<see cref="InferenceState.MaxElements"/>).</summary>
    public long MaxElements => state.MaxElements;

    public TensorType? Type(int input) => Has(input) ? state.TypeOf(Node.Input[input]) : null;
    public IReadOnlyList<Dim>? Shape(int input) => Type(input)?.Shape;
    public int? Rank(int input) => Type(input)?.Rank;
    public DataType Elem(int input) => Type(input)?.ElemType ?? DataType.Undefined;

    /// <summary>The input's folded value (possibly partial), or null.</summary>
    public Folded? Value(int input) => Has(input) ? state.ValueOf(Node.Input[input]) : null;

    /// <summary>The input's constant tensor, whatever its size (folded values are small ones only), or null.</summary>
    public TensorProto? ConstantProto(int input) => Has(input) ? state.ConstantOf(Node.Input[input]) : null;

    /// <summary>The input's elements as numbers when all are known integers, else null.</summary>
    public long[]? Ints(int input) => Value(input) is { Ints: { } d } ? DimMath.Known(d) : null;

    /// <summary>The input's elements as doubles when it is a known tensor of any numeric type.</summary>
    public double[]? Reals(int input) => Value(input) switch
    {
        { Reals: { } r } => r,
        { Ints: { } d } when DimMath.Known(d) is { } k => Array.ConvertAll(k, x => (double)x),
        _ => null,
    };

    public AttributeProto? Attr(string name) => Node.Find(name);
    public long Int(string name, long fallback) => Node.GetInt(name, fallback);
    public long[]? IntsAttr(string name) => Node.GetInts(name);
    public double[]? FloatsAttr(string name) => Node.GetFloats(name)?.Select(f => (double)f).ToArray();
    public float Float(string name, float fallback) => Node.GetFloat(name, fallback);
    public string Str(string name, string fallback) => Node.GetString(name, fallback);

    /// <summary>
    /// An integer list that older opsets give as attribute <paramref name="attr"/> and opset
    /// <paramref name="sinceOpset"/> onwards as input <paramref name="input"/> (axes, pads, split…).
    /// </summary>
    public IntsArg IntsFrom(string attr, int input, long sinceOpset)
    {
        if (Opset < sinceOpset) return IntsAttr(attr) is { } a ? new(true, a) : new(false, null);
        return Has(input) ? new(true, Ints(input)) : new(false, null);
    }

    /// <summary>Sets output <paramref name="output"/>'s type; a null shape means rank unknown.</summary>
    public void Out(int output, DataType elem, IReadOnlyList<Dim>? shape)
    {
        if (output < Node.Output.Count && Node.Output[output].Length > 0)
            state.SetType(Node.Output[output], new TensorType(elem, shape?.ToArray()));
    }

    /// <summary>Output gets the type of input <paramref name="input"/> (shape-preserving ops).</summary>
    public void SameAs(int output, int input) => Out(output, Elem(input), Shape(input));

    /// <summary>Records a folded value for an output (its type follows from it).</summary>
    public void Fold(int output, Folded? value)
    {
        if (value is not null && output < Node.Output.Count && Node.Output[output].Length > 0)
            state.SetValue(Node.Output[output], value);
    }

    /// <summary>Output holds input's elements under <paramref name="shape"/>, when both are known (Reshape and kin).</summary>
    public void FoldReshaped(int output, int input, IReadOnlyList<Dim>? shape)
    {
        if (Value(input) is { } v && DimMath.Known(shape) is { } s && s.Aggregate(1L, (a, b) => a * b) == v.Count)
            Fold(output, v.WithShape(s));
    }

    /// <summary>Records a constant tensor (Constant node) as the output's value.</summary>
    public void Constant(int output, TensorProto tensor)
    {
        if (output < Node.Output.Count && Node.Output[output].Length > 0)
            state.SetConstant(Node.Output[output], tensor);
    }

    /// <summary>An exception for a shape contradiction that makes the graph invalid, naming the node.</summary>
    public OnnxFormatException Error(string what)
    {
        var who = Node.Name.Length > 0 ? $"'{Node.Name}'" : $"producing '{Node.Output.FirstOrDefault()}'";
        return new OnnxFormatException($"Node {who} ({Node.OpType}): {what}");
    }
}

/// <summary>An integer-list argument: absent, present but not constant (Values null), or known.</summary>
internal readonly record struct IntsArg(bool Given, long[]? Values);
