using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Neurons;

/// <summary>
/// Writes graphs the way exporters do: exact node and value names (empty node names allowed),
/// attributes in the order given, weights from a seeded generator. Unlike GraphBuilder it
/// renames nothing, so a test can reproduce an exporter's naming byte for byte.
/// </summary>
sealed class Net(int seed = 7)
{
    readonly Random _rng = new(seed);

    public GraphProto Graph { get; } = new() { Name = "net" };

    /// <summary>Graph inputs with the concrete shapes a test feeds.</summary>
    public List<(string Name, long[] Shape)> Feeds { get; } = [];

    /// <summary>A float input fed with <paramref name="shape"/>, declared with <paramref name="declared"/> (a long or a symbol per axis; the shape when omitted).</summary>
    public string Input(string name, long[] shape, params object[] declared)
    {
        var tt = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float, Shape = new TensorShapeProto() };
        foreach (var d in declared.Length > 0 ? declared : shape.Cast<object>())
            tt.Shape.Dim.Add(d is string s ? new TensorShapeProto.Types.Dimension { DimParam = s } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        Graph.Input.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tt } });
        Feeds.Add((name, shape));
        return name;
    }

    /// <summary>Seeded values in ±1/√(fan-in), fan-in = product of all dims but the first.</summary>
    public float[] Weights(long[] dims)
    {
        long count = dims.Aggregate(1L, (a, b) => a * b);
        double fanIn = dims.Length > 1 ? count / (double)dims[0] : 1;
        double scale = 1 / Math.Sqrt(Math.Max(1, fanIn));
        return Enumerable.Range(0, (int)count).Select(_ => (float)((_rng.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    /// <summary>Seeded values in [lo, hi) (BN scales and variances).</summary>
    public float[] Uniform(long count, double lo, double hi) =>
        Enumerable.Range(0, (int)count).Select(_ => (float)(lo + _rng.NextDouble() * (hi - lo))).ToArray();

    /// <summary>A float initializer of seeded weights.</summary>
    public string Init(string name, params long[] dims) => Init(name, dims, Weights(dims));

    /// <summary>A float initializer holding <paramref name="values"/>.</summary>
    public string Init(string name, long[] dims, float[] values)
    {
        Graph.Initializer.Add(Tensors.Float(name, dims, values));
        return name;
    }

    /// <summary>Lists initializer <paramref name="name"/> among the graph inputs too (IR &lt; 4 style).</summary>
    public void AlsoInput(string name)
    {
        var t = Graph.Initializer.Single(i => i.Name == name);
        Graph.Input.Add(global::Neq.Onnx.Shapes.TensorType.Of((DataType)t.DataType, t.Dims.ToArray()).ToValueInfo(name));
    }

    /// <summary>A Constant node holding <paramref name="value"/>.</summary>
    public string Const(string output, TensorProto value, string name = "")
    {
        value.Name = "";
        Graph.Node.Add(new NodeProto { Name = name, OpType = "Constant", Output = { output }, Attribute = { Attr.Tensor("value", value) } });
        return output;
    }

    /// <summary>A Constant node of seeded float weights.</summary>
    public string ConstW(string output, long[] dims, string name = "") => Const(output, Tensors.Float("", dims, Weights(dims)), name);

    /// <summary>A Constant node holding int64 values.</summary>
    public string ConstInts(string output, long[] values, string name = "") => Const(output, Tensors.Int64Vector("", values), name);

    /// <summary>A node with one output.</summary>
    public string Op(string opType, string[] inputs, string output, string name = "", params AttributeProto[] attributes)
    {
        Graph.Node.Add(new NodeProto { Name = name, OpType = opType, Input = { inputs }, Output = { output }, Attribute = { attributes } });
        return output;
    }

    /// <summary>BatchNormalization with seeded γ, β, mean and variance initializers named <c>{prefix}{suffixes}</c>.</summary>
    public string Bn(string x, long c, string output, string name, string[] paramNames, params AttributeProto[] attributes)
    {
        Init(paramNames[0], [c], Uniform(c, 0.5, 1.5));
        Init(paramNames[1], [c], Uniform(c, -0.5, 0.5));
        Init(paramNames[2], [c], Uniform(c, -0.5, 0.5));
        Init(paramNames[3], [c], Uniform(c, 0.5, 1.5));
        return Op("BatchNormalization", [x, .. paramNames], output, name, [Attr.Float("epsilon", 1e-5f), .. attributes]);
    }

    /// <summary>PyTorch's parameter names of a BatchNorm module.</summary>
    public static string[] TorchBn(string module) =>
        [$"{module}.weight", $"{module}.bias", $"{module}.running_mean", $"{module}.running_var"];

    /// <summary>Declares graph outputs (float, shape left to the runtime).</summary>
    public void Output(params string[] names)
    {
        foreach (var n in names)
            Graph.Output.Add(new global::Neq.Onnx.Shapes.TensorType(DataType.Float, null).ToValueInfo(n));
    }

    /// <summary>The model, with an exporter's producer name.</summary>
    public Ir.ModelProto Model(long opset, long irVersion, string producer)
    {
        var m = OnnxModel.Create(Graph, opset, irVersion);
        m.ProducerName = producer;
        return m;
    }

    public static AttributeProto Ints(string name, params long[] v) => Attr.Ints(name, v);
    public static AttributeProto Int(string name, long v) => Attr.Int(name, v);
    public static AttributeProto Float(string name, float v) => Attr.Float(name, v);
    public static AttributeProto Str(string name, string v) => Attr.String(name, v);
}
