using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Graphs;

/// <summary>
/// A small, opset-aware vocabulary for emitting nodes: each method writes the form of the operator
/// that the graph's default-domain opset defines (axes as attribute or input, and so on), so
/// code that generates backward or optimizer nodes reads like the math and works on opsets 8–21.
/// Every value and node it creates is named <c>{Prefix}/{suffix}</c>, made unique.
/// </summary>
public class Emitter
{
    /// <summary>The builder nodes are appended to.</summary>
    public GraphBuilder B { get; }

    /// <summary>Version of the default ONNX domain the graph imports.</summary>
    public long Opset { get; }

    /// <summary>Name prefix of every emitted value and node.</summary>
    public string Prefix { get; set; }

    /// <summary>Creates an emitter writing into <paramref name="builder"/>.</summary>
    public Emitter(GraphBuilder builder, long opset, string prefix)
    {
        B = builder;
        Opset = opset;
        Prefix = prefix;
    }

    /// <summary>Emits a single-output node named <c>{Prefix}/{suffix ?? opType}</c>.</summary>
    public string Op(string opType, IReadOnlyList<string> inputs, IEnumerable<AttributeProto>? attributes = null,
        string? suffix = null, string domain = "")
    {
        var name = $"{Prefix}/{suffix ?? opType}";
        return B.Op(opType, inputs, attributes, output: name, name: name, domain: domain);
    }

    /// <summary>Emits a node with several outputs; returns their names.</summary>
    public string[] OpN(string opType, IReadOnlyList<string> inputs, int outputs, IEnumerable<AttributeProto>? attributes = null,
        string? suffix = null, string domain = "")
    {
        var name = $"{Prefix}/{suffix ?? opType}";
        var hints = Enumerable.Range(0, outputs).Select(i => $"{name}:{i}").ToArray();
        return B.OpN(opType, inputs, hints, attributes, name, domain);
    }

    /// <summary>Emits a node whose single output gets exactly <paramref name="output"/> (must be unused).</summary>
    public string OpTo(string output, string opType, IReadOnlyList<string> inputs, IEnumerable<AttributeProto>? attributes = null, string domain = "")
    {
        B.AddNode(new NodeSpec(opType, inputs, [output], attributes, output, domain));
        return output;
    }

    // ---- constants ----------------------------------------------------------------------------

    /// <summary>A scalar constant of the given floating type.</summary>
    public string Scalar(double value, DataType type, string? suffix = null) =>
        B.Const($"{Prefix}/{suffix ?? "const"}", Tensors.Scalar("", type, value));

    /// <summary>A one-dimensional int64 constant.</summary>
    public string Ints(params long[] values) => B.ConstInts($"{Prefix}/ints", values);

    // ---- elementwise ----------------------------------------------------------------------------

    /// <summary>a + b (broadcasting).</summary>
    public string Add(string a, string b) => Op("Add", [a, b]);
    /// <summary>a − b (broadcasting).</summary>
    public string Sub(string a, string b) => Op("Sub", [a, b]);
    /// <summary>a · b (broadcasting).</summary>
    public string Mul(string a, string b) => Op("Mul", [a, b]);
    /// <summary>a / b (broadcasting).</summary>
    public string Div(string a, string b) => Op("Div", [a, b]);
    /// <summary>−a.</summary>
    public string Neg(string a) => Op("Neg", [a]);
    /// <summary>√a.</summary>
    public string Sqrt(string a) => Op("Sqrt", [a]);
    /// <summary>1/a.</summary>
    public string Reciprocal(string a) => Op("Reciprocal", [a]);
    /// <summary>Sum of any number of same-shaped (or broadcastable) tensors.</summary>
    public string Sum(IReadOnlyList<string> terms, string? output = null) =>
        terms.Count == 1 && output is null ? terms[0]
        : output is null ? Op("Sum", terms) : OpTo(output, "Sum", terms);
    /// <summary>Identity, written to an exact output name.</summary>
    public string IdentityTo(string input, string output) => OpTo(output, "Identity", [input]);
    /// <summary>Casts to <paramref name="to"/>.</summary>
    public string Cast(string a, DataType to) => Op("Cast", [a], [Attr.Int("to", (long)to)]);

    /// <summary>
    /// 1 where <paramref name="a"/> &gt; <paramref name="b"/>, else 0, in the floating type
    /// <paramref name="type"/> (Greater then Cast, which every opset from 7 on has).
    /// </summary>
    public string GreaterAsFloat(string a, string b, DataType type) => Cast(Op("Greater", [a, b]), type);

    // ---- shape ------------------------------------------------------------------------------------

    /// <summary>The shape of <paramref name="a"/> as an int64 vector.</summary>
    public string Shape(string a) => Op("Shape", [a]);

    /// <summary>Reshapes <paramref name="a"/> to the shape held by the int64 vector <paramref name="shape"/>.</summary>
    public string Reshape(string a, string shape) => Op("Reshape", [a, shape]);

    /// <summary>Reshapes to a constant shape (0 copies a dimension, −1 is inferred).</summary>
    public string Reshape(string a, params long[] shape) => Reshape(a, Ints(shape));

    /// <summary>Permutes axes.</summary>
    public string Transpose(string a, params long[] perm) => Op("Transpose", [a], [Attr.Ints("perm", perm)]);

    /// <summary>Inserts size-1 axes.</summary>
    public string Unsqueeze(string a, params long[] axes) =>
        Opset >= 13 ? Op("Unsqueeze", [a, Ints(axes)]) : Op("Unsqueeze", [a], [Attr.Ints("axes", axes)]);

    /// <summary>Removes size-1 axes.</summary>
    public string Squeeze(string a, params long[] axes) =>
        Opset >= 13 ? Op("Squeeze", [a, Ints(axes)]) : Op("Squeeze", [a], [Attr.Ints("axes", axes)]);

    /// <summary>Broadcasts <paramref name="a"/> to the shape held by <paramref name="shape"/>.</summary>
    public string Expand(string a, string shape) => Op("Expand", [a, shape]);

    /// <summary>Slices along <paramref name="axes"/> with constant starts/ends/steps.</summary>
    public string Slice(string a, long[] starts, long[] ends, long[] axes, long[]? steps = null)
    {
        if (Opset >= 10)
        {
            var inputs = new List<string> { a, Ints(starts), Ints(ends), Ints(axes) };
            if (steps is not null) inputs.Add(Ints(steps));
            return Op("Slice", inputs);
        }
        if (steps is not null && steps.Any(s => s != 1))
            throw new NotSupportedException($"Slice with steps needs opset 10 or later (graph has {Opset}).");
        return Op("Slice", [a], [Attr.Ints("starts", starts), Attr.Ints("ends", ends), Attr.Ints("axes", axes)]);
    }

    /// <summary>Constant-pads with zeros; <paramref name="pads"/> as ONNX orders them (all begins, then all ends).</summary>
    public string PadZeros(string a, params long[] pads) =>
        Opset >= 11 ? Op("Pad", [a, Ints(pads)]) : Op("Pad", [a], [Attr.Ints("pads", pads)]);

    // ---- reductions -------------------------------------------------------------------------------

    /// <summary>Sums over <paramref name="axes"/>.</summary>
    public string ReduceSum(string a, long[] axes, bool keepDims) => Reduce("ReduceSum", 13, a, axes, keepDims);

    /// <summary>Mean over <paramref name="axes"/>.</summary>
    public string ReduceMean(string a, long[] axes, bool keepDims) => Reduce("ReduceMean", 18, a, axes, keepDims);

    string Reduce(string op, long axesAsInputSince, string a, long[] axes, bool keepDims)
    {
        var keep = Attr.Int("keepdims", keepDims ? 1 : 0);
        return Opset >= axesAsInputSince
            ? Op(op, [a, Ints(axes)], [keep])
            : Op(op, [a], [Attr.Ints("axes", axes), keep]);
    }

    // ---- rules-a: elementwise, shape and reduction gradients ----------------------------------------

    /// <summary>A scalar int64 constant (Range bounds, counts).</summary>
    public string IntScalar(long value) => B.Const($"{Prefix}/int", Tensors.Int64("", [], [value]));

    /// <summary>eᵃ.</summary>
    public string Exp(string a) => Op("Exp", [a]);
    /// <summary>ln a.</summary>
    public string Log(string a) => Op("Log", [a]);
    /// <summary>1/(1 + e⁻ᵃ).</summary>
    public string Sigmoid(string a) => Op("Sigmoid", [a]);
    /// <summary>|a|.</summary>
    public string Abs(string a) => Op("Abs", [a]);

    /// <summary>
    /// sign(a) ∈ {−1, 0, 1} in <paramref name="type"/>: Sign from opset 9, before that
    /// [a &gt; 0] − [0 &gt; a].
    /// </summary>
    public string Sign(string a, DataType type)
    {
        if (Opset >= 9) return Op("Sign", [a]);
        var zero = Scalar(0, type);
        return Sub(GreaterAsFloat(a, zero, type), GreaterAsFloat(zero, a, type));
    }

    /// <summary>Elementwise choice: <paramref name="a"/> where <paramref name="cond"/>, else <paramref name="b"/> (opset 9+).</summary>
    public string Where(string cond, string a, string b) => Op("Where", [cond, a, b]);

    /// <summary>Concatenates along <paramref name="axis"/>.</summary>
    public string Concat(IReadOnlyList<string> parts, long axis) => Op("Concat", parts, [Attr.Int("axis", axis)]);

    /// <summary>Splits along <paramref name="axis"/> into pieces of the given sizes (input form from opset 13, attribute before).</summary>
    public string[] Split(string a, long axis, long[] sizes) =>
        Opset >= 13
            ? OpN("Split", [a, Ints(sizes)], sizes.Length, [Attr.Int("axis", axis)])
            : OpN("Split", [a], sizes.Length, [Attr.Int("axis", axis), Attr.Ints("split", sizes)]);

    /// <summary>
    /// Zeros of <paramref name="type"/> in the shape of <paramref name="a"/>: ConstantOfShape from
    /// opset 9; before that a·0 (same shape; a finite forward value never makes it NaN).
    /// </summary>
    public string ZerosLike(string a, DataType type) => Opset < 9 ? Mul(a, Scalar(0, type)) : Fill(Shape(a), 0, type);

    /// <summary>
    /// A tensor of the shape that <paramref name="shape"/> (int64 [rank]) holds, every element
    /// <paramref name="value"/> of <paramref name="type"/>: ConstantOfShape (opset 9).
    /// </summary>
    public string Fill(string shape, double value, DataType type, string? suffix = null) =>
        Op("ConstantOfShape", [shape], [FillValue(value, type)], suffix);

    /// <summary>ConstantOfShape's <c>value</c> attribute: a one-element tensor of <paramref name="type"/>.</summary>
    public static AttributeProto FillValue(double value, DataType type)
    {
        var v = Tensors.Scalar("", type, value);
        v.Dims.Add(1);
        return Attr.Tensor("value", v);
    }
}
