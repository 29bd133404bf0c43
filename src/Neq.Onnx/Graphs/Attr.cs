using Google.Protobuf;
using Neq.Onnx.Ir;
using AttributeType = Neq.Onnx.Ir.AttributeProto.Types.AttributeType;

namespace Neq.Onnx.Graphs;

/// <summary>Typed constructors and readers for <see cref="AttributeProto"/>.</summary>
public static class Attr
{
    /// <summary>An INT attribute.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeType.Int, I = value };

    /// <summary>A FLOAT attribute.</summary>
    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeType.Float, F = value };

    /// <summary>A STRING attribute (UTF-8).</summary>
    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>An INTS attribute.</summary>
    public static AttributeProto Ints(string name, params IEnumerable<long> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A FLOATS attribute.</summary>
    public static AttributeProto Floats(string name, params IEnumerable<float> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeType.Floats };
        a.Floats.AddRange(values);
        return a;
    }

    /// <summary>A STRINGS attribute (UTF-8).</summary>
    public static AttributeProto Strings(string name, params IEnumerable<string> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeType.Strings };
        a.Strings.AddRange(values.Select(ByteString.CopyFromUtf8));
        return a;
    }

    /// <summary>A TENSOR attribute.</summary>
    public static AttributeProto Tensor(string name, TensorProto value) =>
        new() { Name = name, Type = AttributeType.Tensor, T = value };

    /// <summary>A GRAPH attribute (a subgraph, as If/Loop/Scan take).</summary>
    public static AttributeProto Graph(string name, GraphProto value) =>
        new() { Name = name, Type = AttributeType.Graph, G = value };

    /// <summary>The attribute called <paramref name="name"/>, or null.</summary>
    public static AttributeProto? Find(this NodeProto node, string name)
    {
        foreach (var a in node.Attribute)
            if (a.Name == name) return a;
        return null;
    }

    /// <summary>An INT attribute's value, or <paramref name="fallback"/> when absent.</summary>
    public static long GetInt(this NodeProto node, string name, long fallback) =>
        node.Find(name) is { } a ? a.I : fallback;

    /// <summary>A FLOAT attribute's value, or <paramref name="fallback"/> when absent.</summary>
    public static float GetFloat(this NodeProto node, string name, float fallback) =>
        node.Find(name) is { } a ? a.F : fallback;

    /// <summary>A STRING attribute's value, or <paramref name="fallback"/> when absent.</summary>
    public static string GetString(this NodeProto node, string name, string fallback) =>
        node.Find(name) is { } a ? a.S.ToStringUtf8() : fallback;

    /// <summary>An INTS attribute's values, or null when absent.</summary>
    public static long[]? GetInts(this NodeProto node, string name) =>
        node.Find(name) is { } a ? a.Ints.ToArray() : null;

    /// <summary>A FLOATS attribute's values, or null when absent.</summary>
    public static float[]? GetFloats(this NodeProto node, string name) =>
        node.Find(name) is { } a ? a.Floats.ToArray() : null;
}
