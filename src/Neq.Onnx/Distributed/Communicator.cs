using System.Diagnostics.CodeAnalysis;

namespace Neq.Onnx.Distributed;

/// <summary>
/// The processes of one training job and the collectives among them (MPI_COMM_WORLD). A trainer
/// uses it unconditionally: <see cref="Create"/> gives a <see cref="SingleProcessCommunicator"/>
/// (rank 0 of 1, every collective a no-op) unless the process was started by mpirun, so a plain
/// <c>neq train</c> needs no MPI installed. Collectives must be called by every rank in the same
/// order with the same lengths; they are called from one thread (the training loop's).
/// </summary>
public abstract class Communicator : IDisposable
{
    /// <summary>This process's rank, 0 ≤ rank &lt; <see cref="Size"/>.</summary>
    public abstract int Rank { get; }

    /// <summary>The number of processes.</summary>
    public abstract int Size { get; }

    /// <summary>True on rank 0, the rank that writes the run folder and checkpoints.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>What runs the collectives, for logs: "single process" or e.g. "Open MPI v4.1.4 (libmpi.so.40), 2 ranks".</summary>
    public abstract string Description { get; }

    /// <summary>
    /// Replaces <paramref name="values"/> on every rank by their elementwise reduction over all ranks
    /// (MPI_Allreduce with MPI_IN_PLACE). T is float, double, long, int or byte.
    /// </summary>
    public abstract void Allreduce<T>(Span<T> values, ReduceOperation op) where T : unmanaged;

    /// <summary>Replaces <paramref name="values"/> on every rank by rank <paramref name="root"/>'s (MPI_Bcast).</summary>
    public abstract void Broadcast<T>(Span<T> values, int root = 0) where T : unmanaged;

    /// <summary>Returns once every rank has called it.</summary>
    public abstract void Barrier();

    /// <summary>
    /// Ends the whole job now with <paramref name="exitCode"/> (MPI_Abort): what a rank that hit an
    /// error calls, so that the others do not wait forever in their next collective.
    /// </summary>
    [DoesNotReturn]
    public abstract void Abort(int exitCode);

    /// <summary>
    /// The communicator of this process: MPI's world when an MPI launcher started it
    /// (<see cref="MpiLaunch.Current"/>), else a single process.
    /// </summary>
    /// <exception cref="MpiException">Started by mpirun, but the MPI library cannot be loaded or disagrees with the launcher.</exception>
    public static Communicator Create() => MpiLaunch.Current is { } launch ? MpiCommunicator.Initialize(launch) : new SingleProcessCommunicator();

    /// <summary>Throws unless <paramref name="root"/> is a rank.</summary>
    protected void CheckRoot(int root)
    {
        if ((uint)root >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank in 0..{Size - 1}.");
    }

    /// <summary>Ends the participation in the job (MPI_Finalize); a no-op for a single process.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the communicator.</summary>
    protected virtual void Dispose(bool disposing) { }
}
