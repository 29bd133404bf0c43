using System.Diagnostics.CodeAnalysis;

namespace Neq.Onnx.Distributed;

/// <summary>
/// A job of one process: rank 0 of 1. Every collective leaves the values as they are (the
/// reduction or broadcast of one rank's values is those values), so code written for K ranks runs
/// unchanged and pays nothing without MPI.
/// </summary>
public sealed class SingleProcessCommunicator : Communicator
{
    /// <inheritdoc />
    public override int Rank => 0;

    /// <inheritdoc />
    public override int Size => 1;

    /// <inheritdoc />
    public override string Description => "single process";

    /// <inheritdoc />
    public override void Allreduce<T>(Span<T> values, ReduceOperation op)
    {
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op));
    }

    /// <inheritdoc />
    public override void Broadcast<T>(Span<T> values, int root = 0) => CheckRoot(root);

    /// <inheritdoc />
    public override void Barrier() { }

    /// <inheritdoc />
    [DoesNotReturn]
    public override void Abort(int exitCode)
    {
        Environment.Exit(exitCode);
        throw new InvalidOperationException("unreachable: Environment.Exit returned");
    }
}
