namespace Neq.Onnx.Io;

/// <summary>
/// A file or graph that is not valid ONNX, or not what an operation needs. The message names the
/// file, node or tensor at fault and is meant to be shown to a user as is, without a stack trace.
/// </summary>
public sealed class OnnxFormatException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public OnnxFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a complete, user-facing message and its cause.</summary>
    public OnnxFormatException(string message, Exception inner) : base(message, inner) { }
}
