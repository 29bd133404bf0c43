using System.Runtime.InteropServices;
using Google.Protobuf;
using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Graphs;

/// <summary>
/// Builds <see cref="TensorProto"/> values (always as little-endian raw_data, which is compact and
/// deterministic) and reads them back whatever field a producer stored them in.
/// </summary>
public static class Tensors
{
    /// <summary>A float32 tensor.</summary>
    public static TensorProto Float(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> data) =>
        Raw(name, DataType.Float, dims, MemoryMarshal.AsBytes(data));

    /// <summary>A float64 tensor.</summary>
    public static TensorProto Double(string name, ReadOnlySpan<long> dims, ReadOnlySpan<double> data) =>
        Raw(name, DataType.Double, dims, MemoryMarshal.AsBytes(data));

    /// <summary>An int64 tensor.</summary>
    public static TensorProto Int64(string name, ReadOnlySpan<long> dims, ReadOnlySpan<long> data) =>
        Raw(name, DataType.Int64, dims, MemoryMarshal.AsBytes(data));

    /// <summary>An int32 tensor.</summary>
    public static TensorProto Int32(string name, ReadOnlySpan<long> dims, ReadOnlySpan<int> data) =>
        Raw(name, DataType.Int32, dims, MemoryMarshal.AsBytes(data));

    /// <summary>A one-dimensional int64 tensor (the form Reshape, Slice, Pad… take).</summary>
    public static TensorProto Int64Vector(string name, params long[] data) => Int64(name, [data.LongLength], data);

    /// <summary>A float32 scalar (rank 0).</summary>
    public static TensorProto FloatScalar(string name, float value) => Float(name, [], [value]);

    /// <summary>A scalar of the given floating type (rank 0).</summary>
    public static TensorProto Scalar(string name, DataType type, double value) => type switch
    {
        DataType.Float => Float(name, [], [(float)value]),
        DataType.Double => Double(name, [], [value]),
        _ => throw new ArgumentException($"Scalar of type {type} is not supported.", nameof(type)),
    };

    static TensorProto Raw(string name, DataType type, ReadOnlySpan<long> dims, ReadOnlySpan<byte> bytes)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian.");
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        foreach (var d in dims) t.Dims.Add(d);
        return t;
    }

    /// <summary>Number of elements (product of dims; 1 for a scalar).</summary>
    public static long ElementCount(this TensorProto t)
    {
        long n = 1;
        foreach (var d in t.Dims) n *= d;
        return n;
    }

    /// <summary>The tensor's values as float32, whatever field and numeric type hold them.</summary>
    public static float[] ToFloatArray(this TensorProto t)
    {
        var type = (DataType)t.DataType;
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
            throw new InvalidOperationException($"Tensor '{t.Name}' still refers to external data; load the model with OnnxFile.Load.");
        if (type == DataType.Float)
            return t.HasRawData ? MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : t.FloatData.ToArray();
        if (type == DataType.Double)
            return Array.ConvertAll(ToDoubleArray(t), x => (float)x);
        return Array.ConvertAll(ToInt64Array(t), x => (float)x);
    }

    /// <summary>The tensor's values as float64.</summary>
    public static double[] ToDoubleArray(this TensorProto t)
    {
        var type = (DataType)t.DataType;
        if (type == DataType.Double)
            return t.HasRawData ? MemoryMarshal.Cast<byte, double>(t.RawData.Span).ToArray() : t.DoubleData.ToArray();
        if (type == DataType.Float)
            return Array.ConvertAll(ToFloatArray(t), x => (double)x);
        return Array.ConvertAll(ToInt64Array(t), x => (double)x);
    }

    /// <summary>The tensor's values as int64 (integer and bool types).</summary>
    public static long[] ToInt64Array(this TensorProto t)
    {
        var type = (DataType)t.DataType;
        if (!t.HasRawData)
        {
            return type switch
            {
                DataType.Int64 => t.Int64Data.ToArray(),
                DataType.Uint32 or DataType.Uint64 => t.Uint64Data.Select(x => (long)x).ToArray(),
                DataType.Float => t.FloatData.Select(x => (long)x).ToArray(),
                DataType.Double => t.DoubleData.Select(x => (long)x).ToArray(),
                _ => t.Int32Data.Select(x => (long)x).ToArray(),
            };
        }
        var raw = t.RawData.Span;
        return type switch
        {
            DataType.Int64 => MemoryMarshal.Cast<byte, long>(raw).ToArray(),
            DataType.Uint64 => Array.ConvertAll(MemoryMarshal.Cast<byte, ulong>(raw).ToArray(), x => (long)x),
            DataType.Int32 => Array.ConvertAll(MemoryMarshal.Cast<byte, int>(raw).ToArray(), x => (long)x),
            DataType.Uint32 => Array.ConvertAll(MemoryMarshal.Cast<byte, uint>(raw).ToArray(), x => (long)x),
            DataType.Int16 => Array.ConvertAll(MemoryMarshal.Cast<byte, short>(raw).ToArray(), x => (long)x),
            DataType.Uint16 => Array.ConvertAll(MemoryMarshal.Cast<byte, ushort>(raw).ToArray(), x => (long)x),
            DataType.Int8 => Array.ConvertAll(MemoryMarshal.Cast<byte, sbyte>(raw).ToArray(), x => (long)x),
            DataType.Uint8 or DataType.Bool => Array.ConvertAll(raw.ToArray(), x => (long)x),
            DataType.Float => Array.ConvertAll(MemoryMarshal.Cast<byte, float>(raw).ToArray(), x => (long)x),
            DataType.Double => Array.ConvertAll(MemoryMarshal.Cast<byte, double>(raw).ToArray(), x => (long)x),
            _ => throw new NotSupportedException($"Tensor '{t.Name}' has data type {type}, which cannot be read as integers."),
        };
    }
}
