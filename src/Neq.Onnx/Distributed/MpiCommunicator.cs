using System.Diagnostics.CodeAnalysis;

namespace Neq.Onnx.Distributed;

/// <summary>
/// MPI_COMM_WORLD through the system's libmpi (Open MPI or MPICH, <see cref="MpiLibrary"/>).
/// MPI can be initialised once per process, so there is at most one; disposing it finalises MPI.
/// </summary>
public sealed class MpiCommunicator : Communicator
{
    static int _created;
    readonly MpiLibrary _mpi;
    bool _finalized;

    MpiCommunicator(MpiLibrary mpi)
    {
        _mpi = mpi;
        (Rank, Size) = mpi.World();
    }

    /// <summary>
    /// Loads MPI (<c>MPI_LIB</c>, else the launcher's implementation, else whichever is installed),
    /// initialises it and checks that it sees the job the launcher started: a library of another
    /// implementation than the launcher's would initialise as a singleton, and each rank would train alone.
    /// </summary>
    /// <param name="launch">The launch from the environment (<see cref="MpiLaunch.Current"/>), or null to initialise a singleton MPI job.</param>
    /// <exception cref="MpiException">The library cannot be loaded or initialised, or does not match the launcher.</exception>
    public static MpiCommunicator Initialize(MpiLaunch? launch)
    {
        if (Interlocked.Exchange(ref _created, 1) != 0)
            throw new InvalidOperationException("MPI is initialised once per process: an MpiCommunicator exists already (MPI cannot start again after MPI_Finalize).");
        MpiLibrary mpi;
        try { mpi = MpiLibrary.Load(MpiLaunch.LibraryCandidates(launch?.Implementation, Environment.GetEnvironmentVariable)); }
        catch
        {
            Interlocked.Exchange(ref _created, 0); // MPI never started: another attempt (another MPI_LIB) may follow
            throw;
        }
        mpi.InitializeMpi();
        var world = new MpiCommunicator(mpi);
        if (launch is not null && world.Size != launch.Size)
        {
            world.Dispose();
            throw new MpiException($"The launcher ({launch.Implementation}) started {launch.Size} processes, but {mpi.Path} ({mpi.Version}) sees {world.Size}: " +
                $"the library is not the launcher's implementation; run the matching mpirun (mpirun.openmpi or mpirun.mpich) or set {MpiLaunch.LibraryVariable}.");
        }
        return world;
    }

    /// <inheritdoc />
    public override int Rank { get; }

    /// <inheritdoc />
    public override int Size { get; }

    /// <summary>Which implementation was loaded.</summary>
    public MpiImplementation Implementation => _mpi.Implementation;

    /// <inheritdoc />
    public override string Description => $"{_mpi.Version} ({Path.GetFileName(_mpi.Path)}), {Size} rank{(Size == 1 ? "" : "s")}";

    /// <inheritdoc />
    public override void Allreduce<T>(Span<T> values, ReduceOperation op)
    {
        ObjectDisposedException.ThrowIf(_finalized, this);
        _mpi.Allreduce(values, op);
    }

    /// <inheritdoc />
    public override void Broadcast<T>(Span<T> values, int root = 0)
    {
        ObjectDisposedException.ThrowIf(_finalized, this);
        CheckRoot(root);
        _mpi.Broadcast(values, root);
    }

    /// <inheritdoc />
    public override void Barrier()
    {
        ObjectDisposedException.ThrowIf(_finalized, this);
        _mpi.Barrier();
    }

    /// <inheritdoc />
    [DoesNotReturn]
    public override void Abort(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        _mpi.Abort(exitCode);
        // MPI_Abort does not return; should an implementation return, end this rank anyway.
        Environment.Exit(exitCode);
        throw new InvalidOperationException("unreachable: Environment.Exit returned");
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_finalized) return;
        _finalized = true;
        _mpi.FinalizeMpi();
    }
}
