namespace Neq.Onnx.Shapes;

/// <summary>
/// One dimension of a tensor shape: a known size, a named symbol (such as a batch dimension
/// "N"), or unknown. Symbols compare by name: two dimensions called "N" are equal.
/// </summary>
public readonly record struct Dim
{
    /// <summary>The size, when known.</summary>
    public long? Value { get; }

    /// <summary>The symbol's name, when the size is symbolic.</summary>
    public string? Symbol { get; }

    Dim(long? value, string? symbol) { Value = value; Symbol = symbol; }

    /// <summary>A dimension of known size.</summary>
    public static Dim Of(long value) => new(value, null);

    /// <summary>A symbolic dimension.</summary>
    public static Dim Sym(string symbol) => new(null, symbol);

    /// <summary>A dimension about which nothing is known.</summary>
    public static Dim Unknown => default;

    /// <summary>True when the size is a known number.</summary>
    public bool IsKnown => Value.HasValue;

    /// <summary>Implicit conversion from a known size.</summary>
    public static implicit operator Dim(long value) => Of(value);

    /// <inheritdoc />
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}
