namespace Neq.Onnx.Distributed;

/// <summary>The MPI library could not be loaded or initialised, or an MPI call returned an error.</summary>
public sealed class MpiException : Exception
{
    /// <summary>An error with its message.</summary>
    public MpiException(string message) : base(message) { }

    /// <summary>An error with its message and cause.</summary>
    public MpiException(string message, Exception inner) : base(message, inner) { }
}
