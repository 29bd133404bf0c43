using System.Runtime.InteropServices;
using System.Text;

namespace Neq.Onnx.Distributed;

/// <summary>
/// The few MPI calls the trainer needs, bound to the system's libmpi with <see cref="NativeLibrary"/>
/// and unmanaged function pointers (NuGet's MPI.NET targets Windows' msmpi.dll and crashes under
/// Open MPI, whose handles are pointers: ../shared/docs/platform-facts.md). Handles are passed as
/// <see cref="nint"/> for both ABIs: Open MPI's are addresses of exported objects, MPICH's are
/// 32-bit integers, and on the LP64 ABIs .NET runs on (x86-64 SysV, AArch64) an int argument is
/// passed in the same register as a pointer, the callee reading its low 32 bits.
/// </summary>
sealed unsafe class MpiLibrary
{
    // MPI_THREAD_FUNNELED: only the thread that initialised MPI calls it (the training loop); the
    // data loader's and ONNX Runtime's threads never do. Same value in both implementations.
    const int ThreadFunneled = 1;

    readonly delegate* unmanaged<int*, nint, int, int*, int> _initThread;
    readonly delegate* unmanaged<int> _finalize;
    readonly delegate* unmanaged<int*, int> _initialized, _finalized;
    readonly delegate* unmanaged<nint, int*, int> _commRank, _commSize;
    readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    readonly delegate* unmanaged<nint, int> _barrier;
    readonly delegate* unmanaged<nint, int, int> _abort;
    readonly nint _commWorld, _inPlace, _float, _double, _int64, _int32, _byte, _sum, _max, _min;

    MpiLibrary(string path, nint handle, MpiImplementation implementation, string version)
    {
        (Path, Implementation, Version) = (path, implementation, version);
        nint Fn(string name) => NativeLibrary.TryGetExport(handle, name, out var f) ? f
            : throw new MpiException($"{path} has no function {name}: it is not an MPI library.");
        _initThread = (delegate* unmanaged<int*, nint, int, int*, int>)Fn("MPI_Init_thread");
        _finalize = (delegate* unmanaged<int>)Fn("MPI_Finalize");
        _initialized = (delegate* unmanaged<int*, int>)Fn("MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Fn("MPI_Finalized");
        _commRank = (delegate* unmanaged<nint, int*, int>)Fn("MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)Fn("MPI_Comm_size");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Fn("MPI_Allreduce");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Fn("MPI_Bcast");
        _barrier = (delegate* unmanaged<nint, int>)Fn("MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)Fn("MPI_Abort");
        if (implementation == MpiImplementation.OpenMpi)
        {
            // Open MPI's handles are the addresses of its predefined objects (mpi.h: &ompi_mpi_float ...).
            nint Obj(string name) => NativeLibrary.TryGetExport(handle, name, out var a) ? a
                : throw new MpiException($"{path} is Open MPI but does not export {name}.");
            (_commWorld, _inPlace) = (Obj("ompi_mpi_comm_world"), 1);
            (_float, _double, _int64, _int32, _byte) = (Obj("ompi_mpi_float"), Obj("ompi_mpi_double"), Obj("ompi_mpi_int64_t"), Obj("ompi_mpi_int"), Obj("ompi_mpi_byte"));
            (_sum, _max, _min) = (Obj("ompi_mpi_op_sum"), Obj("ompi_mpi_op_max"), Obj("ompi_mpi_op_min"));
        }
        else
        {
            // MPICH's mpi.h (4.0): integer handles, MPI_IN_PLACE = (void *) -1.
            (_commWorld, _inPlace) = (0x44000000, -1);
            (_float, _double, _int64, _int32, _byte) = (0x4c00040a, 0x4c00080b, 0x4c00083a, 0x4c000405, 0x4c00010d);
            (_sum, _max, _min) = (0x58000003, 0x58000001, 0x58000002);
        }
    }

    /// <summary>The file that was loaded.</summary>
    public string Path { get; }

    /// <summary>Which ABI its handles follow.</summary>
    public MpiImplementation Implementation { get; }

    /// <summary>MPI_Get_library_version's first line, e.g. "Open MPI v4.1.4, ..." or "MPICH Version: 4.0.2".</summary>
    public string Version { get; }

    /// <summary>
    /// Loads the first of <paramref name="candidates"/> that the dynamic loader finds and tells its
    /// implementation apart: Open MPI exports <c>ompi_mpi_comm_world</c>; MPICH and its ABI family
    /// name themselves in MPI_Get_library_version (callable before MPI_Init).
    /// </summary>
    /// <exception cref="MpiException">None loads (the message names each file and why), or the library is neither.</exception>
    public static MpiLibrary Load(IReadOnlyList<string> candidates)
    {
        var failures = new List<string>();
        foreach (var path in candidates)
        {
            if (!NativeLibrary.TryLoad(path, out var handle))
            {
                failures.Add(path);
                continue;
            }
            var version = LibraryVersion(handle, path);
            var implementation = NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out _) ? MpiImplementation.OpenMpi
                : version.Contains("MPICH", StringComparison.OrdinalIgnoreCase) || version.Contains("Intel(R) MPI", StringComparison.Ordinal)
                    || version.Contains("MVAPICH", StringComparison.OrdinalIgnoreCase) ? MpiImplementation.Mpich
                : throw new MpiException($"{path} is MPI '{version}', which is neither Open MPI nor MPICH-compatible; set {MpiLaunch.LibraryVariable} to one of those.");
            return new MpiLibrary(path, handle, implementation, version);
        }
        throw new MpiException($"Could not load the MPI library (tried {string.Join(", ", failures)}): install Open MPI (openmpi-bin) or MPICH (mpich), " +
            $"or set {MpiLaunch.LibraryVariable} to the path of libmpi.");
    }

    static string LibraryVersion(nint handle, string path)
    {
        if (!NativeLibrary.TryGetExport(handle, "MPI_Get_library_version", out var f))
            throw new MpiException($"{path} has no function MPI_Get_library_version: it is not an MPI 3 library.");
        var buffer = new byte[8192]; // MPI_MAX_LIBRARY_VERSION_STRING: 8192 in MPICH, 256 in Open MPI
        int length = 0;
        fixed (byte* b = buffer)
            ((delegate* unmanaged<byte*, int*, int>)f)(b, &length);
        var text = Encoding.UTF8.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length)).TrimEnd('\0');
        // First line, whitespace collapsed, Open MPI's build details cut: "Open MPI v4.1.4", "MPICH Version: 4.0.2".
        var line = string.Join(' ', text.Split('\n', 2)[0].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
        var details = line.IndexOf(", package:", StringComparison.Ordinal);
        return details > 0 ? line[..details] : line;
    }

    /// <summary>MPI_Init_thread(FUNNELED), unless MPI is initialised already (then nothing).</summary>
    public void InitializeMpi()
    {
        int flag;
        Check(_initialized(&flag), "MPI_Initialized");
        if (flag != 0) return;
        int provided;
        Check(_initThread(null, 0, ThreadFunneled, &provided), "MPI_Init_thread");
    }

    /// <summary>MPI_Finalize, unless MPI was finalised already.</summary>
    public void FinalizeMpi()
    {
        int flag;
        Check(_finalized(&flag), "MPI_Finalized");
        if (flag == 0) Check(_finalize(), "MPI_Finalize");
    }

    /// <summary>MPI_Comm_rank and MPI_Comm_size of MPI_COMM_WORLD.</summary>
    public (int Rank, int Size) World()
    {
        int rank, size;
        Check(_commRank(_commWorld, &rank), "MPI_Comm_rank");
        Check(_commSize(_commWorld, &size), "MPI_Comm_size");
        return (rank, size);
    }

    /// <summary>MPI_Allreduce in place over MPI_COMM_WORLD.</summary>
    public void Allreduce<T>(Span<T> values, ReduceOperation op) where T : unmanaged
    {
        var (type, count) = (Datatype<T>(), values.Length);
        var mpiOp = op switch { ReduceOperation.Sum => _sum, ReduceOperation.Max => _max, ReduceOperation.Min => _min, _ => throw new ArgumentOutOfRangeException(nameof(op)) };
        fixed (T* p = values)
            Check(_allreduce((void*)_inPlace, p, count, type, mpiOp, _commWorld), "MPI_Allreduce");
    }

    /// <summary>MPI_Bcast over MPI_COMM_WORLD.</summary>
    public void Broadcast<T>(Span<T> values, int root) where T : unmanaged
    {
        var (type, count) = (Datatype<T>(), values.Length);
        fixed (T* p = values)
            Check(_bcast(p, count, type, root, _commWorld), "MPI_Bcast");
    }

    /// <summary>MPI_Barrier over MPI_COMM_WORLD.</summary>
    public void Barrier() => Check(_barrier(_commWorld), "MPI_Barrier");

    /// <summary>MPI_Abort over MPI_COMM_WORLD: the launcher ends every rank with <paramref name="code"/>.</summary>
    public void Abort(int code) => _abort(_commWorld, code);

    nint Datatype<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? _float
        : typeof(T) == typeof(double) ? _double
        : typeof(T) == typeof(long) ? _int64
        : typeof(T) == typeof(int) ? _int32
        : typeof(T) == typeof(byte) ? _byte
        : throw new NotSupportedException($"MPI collectives here take float, double, long, int or byte, not {typeof(T).Name}.");

    void Check(int code, string call)
    {
        // MPI's default error handler (MPI_ERRORS_ARE_FATAL) aborts the job before a call returns
        // an error; a non-zero code reaches here only under another handler.
        if (code != 0) throw new MpiException($"{call} failed with error code {code} ({Implementation}, {Path}).");
    }
}
