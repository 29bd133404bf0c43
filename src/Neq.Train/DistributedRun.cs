using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using Neq.CommandLine;
using Neq.Onnx.Distributed;
using Neq.Onnx.Training;

namespace Neq.Train;

/// <summary>
/// What <c>neq train</c> does differently when mpirun started it as one of K ranks: threads per
/// rank, the header line, the failure path (one error line, then the whole job ends), and a hidden
/// per-rank diagnostic log for tests.
/// </summary>
public static class DistributedRun
{
    /// <summary>
    /// When set to a folder, every rank appends "epoch E pid P masks HASH parameters HASH …" to
    /// rank&lt;r&gt;.txt there after each epoch (hex FNV-1a of the masks' and the trained values' bits),
    /// so a test can compare the ranks without reaching into their memory. Not a user setting.
    /// </summary>
    public const string RankLogVariable = "NEQ_RANK_LOG";

    /// <summary>
    /// The options a rank trains with: --threads 0 ("all cores") becomes the cores this rank may use
    /// divided among the ranks on its host, so K ranks do not each start a thread per core.
    /// </summary>
    public static TrainerOptions PerRank(TrainerOptions o, Communicator comm) =>
        comm.Size == 1 || o.Threads != 0 ? o : o with { Threads = Math.Max(1, Environment.ProcessorCount / LocalRanks(comm)) };

    /// <summary>Ranks on this host: Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE, MPICH's MPI_LOCALNRANKS, else all.</summary>
    static int LocalRanks(Communicator comm)
    {
        foreach (var v in new[] { "OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS" })
            if (int.TryParse(Environment.GetEnvironmentVariable(v), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0) return n;
        return comm.Size;
    }

    /// <summary>The header's line about the ranks: how many, which MPI, threads each, the global batch's share per rank.</summary>
    public static string Describe(Communicator comm, TrainerOptions o)
    {
        var threads = PerRank(o, comm).Threads;
        var (share, extra) = (o.BatchSize / comm.Size, o.BatchSize % comm.Size);
        return string.Create(CultureInfo.InvariantCulture,
            $"data parallel: {comm.Description}, {threads} thread{(threads == 1 ? "" : "s")} each; global batch {o.BatchSize} = {share}{(extra > 0 ? $"–{share + 1}" : "")} images per rank");
    }

    /// <summary>
    /// Ends the job after an error on this rank: one "error:" line, then MPI_Abort, which makes the
    /// launcher end every rank (none is left waiting in a collective). An error every rank meets
    /// alike (a diverged global loss, differing parameters, bad flags) should print once: rank 0
    /// prints and aborts at once, the others wait a moment first, so that rank 0's abort usually ends
    /// them before they print; an error of one rank alone is still printed by that rank, naming it,
    /// on its process's stderr.
    /// </summary>
    [DoesNotReturn]
    public static void Fail(Communicator comm, Exception e, TextWriter error)
    {
        if (!comm.IsRoot)
        {
            Thread.Sleep(TimeSpan.FromSeconds(2));
            error = Console.Error; // Cli.Run silenced this rank's writers
        }
        var what = e is UsageException or IOException or InvalidDataException or UnauthorizedAccessException or OperationCanceledException
            || e.GetType().Namespace?.StartsWith("Neq.", StringComparison.Ordinal) == true ? "" : $"unexpected {e.GetType().Name}: ";
        error.WriteLine($"error: {(comm.IsRoot ? "" : $"rank {comm.Rank} of {comm.Size}: ")}{what}{e.Message.ReplaceLineEndings(" ")}");
        error.Flush();
        comm.Abort(e is UsageException ? CliHost.Usage : CliHost.Error);
    }

    /// <summary>
    /// <paramref name="output"/> behind a writer of its own, which <see cref="TrainConsole"/> does not
    /// take for the terminal: rank 0 then prints plain lines, which read well in mpirun's log too.
    /// </summary>
    public static TextWriter Plain(TextWriter output) => new PlainWriter(output);

    sealed class PlainWriter(TextWriter inner) : TextWriter
    {
        public override System.Text.Encoding Encoding => inner.Encoding;
        public override void Write(char value) => inner.Write(value);
        public override void Write(string? value) => inner.Write(value);
        public override void WriteLine(string? value) => inner.WriteLine(value);
        public override void Flush() => inner.Flush();
    }

    /// <summary>Appends this rank's line for the epoch to the <see cref="RankLogVariable"/> folder, when set.</summary>
    public static void LogRank(Communicator comm, EpochMetrics m, NeqTrainer trainer)
    {
        if (Environment.GetEnvironmentVariable(RankLogVariable) is not { Length: > 0 } folder) return;
        var masks = trainer.Masks.Layers.Aggregate(FnvOffset, (h, l) => Hash(h, l.Data));
        var values = trainer.TrainedValues().OrderBy(kv => kv.Key, StringComparer.Ordinal).Aggregate(FnvOffset, (h, kv) => Hash(h, kv.Value));
        File.AppendAllText(Path.Combine(folder, $"rank{comm.Rank}.txt"),
            string.Create(CultureInfo.InvariantCulture, $"epoch {m.Epoch} pid {Environment.ProcessId} masks {masks:x16} parameters {values:x16} frozen {m.FrozenPercent:R} train_loss {m.TrainLoss:R} test_top1 {m.TestTop1:R}\n"));
    }

    const ulong FnvOffset = 14695981039346656037UL, FnvPrime = 1099511628211UL;

    static ulong Hash(ulong h, float[] values)
    {
        foreach (var b in MemoryMarshal.AsBytes(values.AsSpan())) h = (h ^ b) * FnvPrime;
        return h;
    }
}
