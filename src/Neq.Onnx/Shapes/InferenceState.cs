using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Shapes;

/// <summary>
/// Everything known so far while walking a graph: inferred types, types the file declares
/// (value_info, graph outputs), constants, and folded (possibly partial) small values.
/// </summary>
internal sealed class InferenceState
{
    readonly Dictionary<string, TensorType> _types = new(StringComparer.Ordinal);
    readonly Dictionary<string, TensorType> _declared = new(StringComparer.Ordinal);
    readonly Dictionary<string, TensorProto> _constants = new(StringComparer.Ordinal);
    readonly Dictionary<string, Folded?> _values = new(StringComparer.Ordinal);

    /// <summary>Largest tensor folded: <see cref="Folded.MaxElements"/> for shape arithmetic, more for weight chains.</summary>
    public long MaxElements { get; init; } = Folded.MaxElements;

    public TensorType? TypeOf(string name) => _types.GetValueOrDefault(name);

    /// <summary>The constant tensor called <paramref name="name"/>, whatever its size, or null.</summary>
    public TensorProto? ConstantOf(string name) => _constants.GetValueOrDefault(name);

    /// <summary>The folded value of <paramref name="name"/>: computed, or read lazily from a constant.</summary>
    public Folded? ValueOf(string name)
    {
        if (_values.TryGetValue(name, out var v)) return v;
        if (!_constants.TryGetValue(name, out var t)) return null;
        return _values[name] = Folded.FromProto(t, MaxElements);
    }

    /// <summary>An initializer: its dims give its type; its data is a constant unless a graph input may override it.</summary>
    public void SeedInitializer(TensorProto t, bool isConstant)
    {
        _types[t.Name] = new TensorType((DataType)t.DataType, t.Dims.Select(Dim.Of).ToArray());
        if (isConstant) _constants[t.Name] = t;
    }

    /// <summary>A graph input: its declared type wins over an initializer's, unless it declares no shape.</summary>
    public void SeedInput(ValueInfoProto vi)
    {
        if (TensorType.FromValueInfo(vi) is not { } t) return;
        if (t.Shape is null && _types.TryGetValue(vi.Name, out var init)) t = init with { ElemType = t.ElemType };
        _types[vi.Name] = t;
    }

    /// <summary>A type the file declares for a value a node produces (value_info, graph output).</summary>
    public void Declare(ValueInfoProto vi)
    {
        if (TensorType.FromValueInfo(vi) is not { } t || _types.ContainsKey(vi.Name)) return;
        _declared[vi.Name] = t;
        _types[vi.Name] = t;
    }

    public void SetType(string name, TensorType inferred) =>
        _types[name] = _declared.TryGetValue(name, out var d) ? Refine(inferred, d) : inferred;

    public void SetValue(string name, Folded value)
    {
        _values[name] = value;
        var t = new TensorType(value.ElemType, value.ShapeDims);
        SetType(name, _types.TryGetValue(name, out var prior) ? Refine(t, prior) : t);
        if (value.ToProto(name) is { } proto) _constants[name] = proto;
    }

    public void SetConstant(string name, TensorProto tensor)
    {
        _constants[name] = tensor;
        _values.Remove(name);
        SetType(name, new TensorType((DataType)tensor.DataType, tensor.Dims.Select(Dim.Of).ToArray()));
    }

    /// <summary>
    /// Combines what a rule inferred with what the file declares: per axis a known size, then the
    /// inferred symbol, then the declared one. A declaration of another rank is ignored.
    /// </summary>
    static TensorType Refine(TensorType inferred, TensorType declared)
    {
        var elem = inferred.ElemType == DataType.Undefined ? declared.ElemType : inferred.ElemType;
        if (declared.Shape is not { } ds) return inferred with { ElemType = elem };
        if (inferred.Shape is not { } s) return new TensorType(elem, ds);
        if (s.Count != ds.Count) return inferred with { ElemType = elem };
        var dims = new Dim[s.Count];
        for (int k = 0; k < dims.Length; k++)
            dims[k] = s[k].IsKnown ? s[k] : ds[k].IsKnown ? ds[k] : s[k].Symbol is not null ? s[k] : ds[k];
        return new TensorType(elem, dims);
    }

    public ShapeInferenceResult Result() => new(
        _types.Where(kv => kv.Value.ElemType != DataType.Undefined).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
        new Dictionary<string, TensorProto>(_constants, StringComparer.Ordinal));
}
