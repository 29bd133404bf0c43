using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Shapes;

/// <summary>
/// Compact notation for shape tests: <c>float[N,3,32,32]</c> (a number is a known size, "?" an
/// unknown one, anything else a symbol) and <c>float[*]</c> for unknown rank; and the inputs of a
/// one-node test graph.
/// </summary>
internal static class ShapeNotation
{
    public static TensorType Parse(string spec)
    {
        int open = spec.IndexOf('[');
        var elem = Enum.Parse<DataType>(spec[..open], ignoreCase: true);
        var body = spec[(open + 1)..^1];
        if (body == "*") return new TensorType(elem, null);
        var dims = body.Length == 0 ? [] : body.Split(',').Select(d =>
            long.TryParse(d, out var v) ? Dim.Of(v) : d == "?" ? Dim.Unknown : Dim.Sym(d)).ToArray();
        return new TensorType(elem, dims);
    }

    public static string Format(TensorType? t) => t is null ? "none"
        : $"{t.ElemType.ToString().ToLowerInvariant()}[{(t.Shape is null ? "*" : string.Join(",", t.Shape))}]";

    /// <summary>One input of a test node.</summary>
    public abstract record In;

    /// <summary>A graph input of the given type.</summary>
    public sealed record Input(string Spec) : In;

    /// <summary>An initializer (zeros) of the given type, constant.</summary>
    public sealed record Weight(string Spec) : In;

    /// <summary>A constant tensor.</summary>
    public sealed record Const(TensorProto Tensor) : In;

    /// <summary>An omitted optional input ("").</summary>
    public sealed record Skip : In;

    public static In X(string spec) => new Input(spec);
    public static In W(string spec) => new Weight(spec);
    public static In Ints(params long[] values) => new Const(Tensors.Int64Vector("c", values));
    public static In Int(long value) => new Const(Tensors.Int64("c", [], [value]));
    public static In Floats(params float[] values) => new Const(Tensors.Float("c", [values.Length], values));
    public static In Float(float value) => new Const(Tensors.FloatScalar("c", value));
    public static readonly In None = new Skip();

    /// <summary>
    /// A graph with one <paramref name="op"/> node reading <paramref name="inputs"/> (named i0, i1…)
    /// and writing <paramref name="outputs"/> values (o0, o1…).
    /// </summary>
    public static GraphProto OneNode(string op, IReadOnlyList<In> inputs, IEnumerable<AttributeProto>? attrs, int outputs)
    {
        var b = new GraphBuilder("test");
        var names = new List<string>();
        for (int i = 0; i < inputs.Count; i++)
        {
            var name = $"i{i}";
            switch (inputs[i])
            {
                case Input x: b.AddInput(name, Parse(x.Spec)); break;
                case Weight w: b.Const(name, Zeros(Parse(w.Spec))); break;
                case Const k: var t = k.Tensor.Clone(); b.Const(name, t); break;
                default: name = ""; break;
            }
            names.Add(name);
        }
        b.AddNode(new NodeSpec(op, names, Enumerable.Range(0, outputs).Select(o => $"o{o}").ToArray(), attrs, Name: "n"));
        return b.Graph;
    }

    static TensorProto Zeros(TensorType t)
    {
        var dims = t.KnownDims();
        long n = dims.Aggregate(1L, (a, b) => a * b);
        return t.ElemType switch
        {
            DataType.Int64 => Tensors.Int64("w", dims, new long[n]),
            DataType.Double => Tensors.Double("w", dims, new double[n]),
            _ => Tensors.Float("w", dims, new float[n]),
        };
    }
}
