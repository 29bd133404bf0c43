namespace Neq.Onnx.Distributed;

/// <summary>
/// Whether this process was started by an MPI launcher, read from the environment the launcher
/// gives its ranks: Open MPI's mpirun sets <c>OMPI_COMM_WORLD_SIZE</c>, MPICH's Hydra (mpiexec,
/// mpirun.mpich) and Slurm's PMI set <c>PMI_SIZE</c>. The launcher also says which library to load:
/// a rank started by Hydra that loaded Open MPI would initialise as a singleton (rank 0 of 1), and
/// every rank would then train alone.
/// </summary>
/// <param name="Implementation">The implementation whose launcher started the process.</param>
/// <param name="Size">The job's process count as the launcher states it.</param>
public sealed record MpiLaunch(MpiImplementation Implementation, int Size)
{
    /// <summary>Overrides the library to load (a path or a file name the dynamic loader finds).</summary>
    public const string LibraryVariable = "MPI_LIB";

    /// <summary>The launch this process is part of, or null when it was started without an MPI launcher.</summary>
    public static MpiLaunch? Current => Detect(Environment.GetEnvironmentVariable);

    /// <summary>
    /// The launch described by <paramref name="environment"/> (a variable's value, or null when unset),
    /// or null when neither launcher's variable is set.
    /// </summary>
    /// <exception cref="MpiException">A launcher variable is set but is not a positive integer.</exception>
    public static MpiLaunch? Detect(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment("OMPI_COMM_WORLD_SIZE") is { } ompi) return new(MpiImplementation.OpenMpi, Parse("OMPI_COMM_WORLD_SIZE", ompi));
        if (environment("PMI_SIZE") is { } pmi) return new(MpiImplementation.Mpich, Parse("PMI_SIZE", pmi));
        return null;
    }

    /// <summary>
    /// This process's rank as the launcher states it (Open MPI's <c>OMPI_COMM_WORLD_RANK</c>,
    /// Hydra's and PMI's <c>PMI_RANK</c>), known before MPI is initialised — so that ranks other than
    /// 0 can keep quiet about what every rank would print alike (a bad flag) — or null without a
    /// launcher or when the variable is missing or not a number.
    /// </summary>
    public static int? RankOf(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var value = environment("OMPI_COMM_WORLD_RANK") ?? environment("PMI_RANK");
        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var r) ? r : null;
    }

    /// <summary>
    /// The library files to try, in order: <c>MPI_LIB</c> alone when set; else the runtime of the
    /// launcher's implementation; else (no launcher: an explicit <see cref="MpiCommunicator.Initialize"/>)
    /// Open MPI's, then MPICH's.
    /// </summary>
    public static IReadOnlyList<string> LibraryCandidates(MpiImplementation? launcher, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(LibraryVariable) is { Length: > 0 } path) return [path];
        return launcher switch
        {
            MpiImplementation.OpenMpi => OpenMpiLibraries,
            MpiImplementation.Mpich => MpichLibraries,
            _ => [.. OpenMpiLibraries, .. MpichLibraries],
        };
    }

    static readonly string[] OpenMpiLibraries = ["libmpi.so.40", "libmpi.so"];
    static readonly string[] MpichLibraries = ["libmpich.so.12", "libmpi.so.12", "libmpich.so"];

    static int Parse(string variable, string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new MpiException($"{variable}='{value}' is not a positive process count; was this process started by mpirun?");
}
