using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Shapes;

/// <summary>
/// Element type and shape of a tensor value. <see cref="Shape"/> is null when even the rank is
/// unknown.
/// </summary>
public sealed record TensorType(DataType ElemType, IReadOnlyList<Dim>? Shape)
{
    /// <summary>The rank, or null when unknown.</summary>
    public int? Rank => Shape?.Count;

    /// <summary>True when every dimension is a known number.</summary>
    public bool IsFullyKnown => Shape is not null && Shape.All(d => d.IsKnown);

    /// <summary>The known sizes; throws when any dimension is not a number.</summary>
    public long[] KnownDims() => Shape?.Select(d => d.Value ?? throw new InvalidOperationException($"Shape {this} is not fully known.")).ToArray()
        ?? throw new InvalidOperationException("Rank is unknown.");

    /// <summary>A tensor type of known sizes.</summary>
    public static TensorType Of(DataType elemType, params long[] dims) => new(elemType, dims.Select(Dim.Of).ToArray());

    /// <summary>Reads a ValueInfoProto's tensor type; null for a non-tensor or missing type.</summary>
    public static TensorType? FromValueInfo(ValueInfoProto vi)
    {
        if (vi.Type?.TensorType is not { } tt) return null;
        IReadOnlyList<Dim>? shape = null;
        if (tt.Shape is { } s)
            shape = s.Dim.Select(d => d.ValueCase switch
            {
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => Dim.Of(d.DimValue),
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => Dim.Sym(d.DimParam),
                _ => Dim.Unknown,
            }).ToArray();
        return new TensorType((DataType)tt.ElemType, shape);
    }

    /// <summary>A ValueInfoProto named <paramref name="name"/> carrying this type.</summary>
    public ValueInfoProto ToValueInfo(string name)
    {
        var tt = new TypeProto.Types.Tensor { ElemType = (int)ElemType };
        if (Shape is not null)
        {
            tt.Shape = new TensorShapeProto();
            foreach (var d in Shape)
            {
                var pd = new TensorShapeProto.Types.Dimension();
                if (d.Value is { } v) pd.DimValue = v;
                else if (d.Symbol is { } s) pd.DimParam = s;
                tt.Shape.Dim.Add(pd);
            }
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tt } };
    }

    /// <summary>
    /// Value equality: the same element type and the same dimensions in order (both of unknown
    /// rank counts as equal). A record compares lists by reference otherwise.
    /// </summary>
    public bool Equals(TensorType? other) =>
        other is not null && ElemType == other.ElemType
        && (Shape is null ? other.Shape is null : other.Shape is not null && Shape.SequenceEqual(other.Shape));

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(ElemType);
        hash.Add(Shape?.Count ?? -1);
        if (Shape is not null) foreach (var d in Shape) hash.Add(d);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{ElemType.ToString().ToLowerInvariant()}[{(Shape is null ? "?" : string.Join(",", Shape))}]";
}
