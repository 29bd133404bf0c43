namespace Neq.CommandLine;

/// <summary>An impossible combination of flags found after parsing (exit code 2).</summary>
public sealed class UsageException : Exception
{
    /// <summary>Creates the exception with a message naming the flag.</summary>
    public UsageException(string message) : base(message) { }
}
