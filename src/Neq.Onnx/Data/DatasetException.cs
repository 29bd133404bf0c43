namespace Neq.Onnx.Data;

/// <summary>
/// A data set that is missing, malformed or cannot be fetched. The message names the file (or the
/// folder searched) and the problem, and is meant to be shown to a user as is, without a stack trace.
/// </summary>
public sealed class DatasetException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public DatasetException(string message) : base(message) { }

    /// <summary>Creates the exception with a complete, user-facing message and its cause.</summary>
    public DatasetException(string message, Exception inner) : base(message, inner) { }
}
