using System.Globalization;

namespace Neq.Bench;

/// <summary>
/// Walks an argument list flag by flag for the bench's parsers: a flag's value, or one error naming
/// the flag when it is missing or not an integer in range.
/// </summary>
sealed class ArgReader(string[] args)
{
    int _i = -1;

    /// <summary>Moves to the next flag; false at the end.</summary>
    public bool MoveNext() => ++_i < args.Length;

    /// <summary>The current flag.</summary>
    public string Current => args[_i];

    /// <summary>The current flag's value (the next argument).</summary>
    public string Next() => _i + 1 < args.Length ? args[++_i] : throw new ArgumentException($"{args[_i]} needs a value.");

    /// <summary>The current flag's value as an integer of at least <paramref name="min"/>.</summary>
    public int Int(int min)
    {
        var flag = args[_i];
        var s = Next();
        return int.TryParse(s, CultureInfo.InvariantCulture, out var v) && v >= min ? v
            : throw new ArgumentException($"{flag} must be an integer ≥ {min}, not '{s}'.");
    }
}
