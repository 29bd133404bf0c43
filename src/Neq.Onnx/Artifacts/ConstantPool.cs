using Neq.Onnx.Graphs;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Artifacts;

/// <summary>Scalar constants shared by every node of one update graph: one initializer per value.</summary>
sealed class ConstantPool(GraphBuilder builder, string prefix)
{
    readonly Dictionary<(DataType, double), string> _names = [];

    /// <summary>The float32 scalar <paramref name="value"/> (rounded from double once).</summary>
    public string Float(double value) => Get(DataType.Float, value);

    /// <summary>The float64 scalar <paramref name="value"/>.</summary>
    public string Double(double value) => Get(DataType.Double, value);

    string Get(DataType type, double value)
    {
        if (_names.TryGetValue((type, value), out var name)) return name;
        var label = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        name = builder.Const($"{prefix}/{(type == DataType.Double ? "f64_" : "")}{label}", Tensors.Scalar("", type, value));
        _names[(type, value)] = name;
        return name;
    }
}
