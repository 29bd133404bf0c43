using System.Diagnostics;
using System.Text;

namespace Neq.Onnx.Tests.Distributed;

/// <summary>Runs tests/Neq.Mpi.Probe under mpirun (or alone), bounded by a timeout.</summary>
static class MpiRun
{
    /// <summary>The probe executable, copied next to the tests by the project reference.</summary>
    public static string Probe => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "neq-mpi-probe.exe" : "neq-mpi-probe");

    /// <summary>The full path of mpirun.<paramref name="implementation"/>, or null when it is not on the PATH.</summary>
    public static string? Launcher(string implementation) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, $"mpirun.{implementation}")).FirstOrDefault(File.Exists);

    /// <summary>
    /// <c>mpirun.&lt;implementation&gt; -np <paramref name="ranks"/> neq-mpi-probe args…</c>: exit code and
    /// combined output, or a failed assertion (after killing the job) when it outlives <paramref name="limit"/>.
    /// Open MPI refuses root without --allow-run-as-root, and more ranks than free cores without --oversubscribe.
    /// <paramref name="mpiLib"/>, when given, is the ranks' MPI_LIB.
    /// </summary>
    public static (int ExitCode, string Output) Mpi(string implementation, int ranks, IEnumerable<string> args, TimeSpan limit, string? mpiLib = null)
    {
        var launcher = Launcher(implementation) ?? throw new InvalidOperationException($"mpirun.{implementation} is not installed");
        List<string> all = implementation == "openmpi" ? ["--allow-run-as-root", "--oversubscribe", "-np", $"{ranks}"] : ["-np", $"{ranks}"];
        return Run(launcher, [.. all, Probe, .. args], limit, mpiLib);
    }

    /// <summary>The probe as a single process, without a launcher.</summary>
    public static (int ExitCode, string Output) Alone(IEnumerable<string> args, TimeSpan limit) => Run(Probe, args, limit, null);

    static (int, string) Run(string exe, IEnumerable<string> args, TimeSpan limit, string? mpiLib)
    {
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        // The test host may itself run under a launcher's environment; the probe must see only its own.
        foreach (var v in new[] { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "MPI_LIB" }) info.Environment.Remove(v);
        if (mpiLib is not null) info.Environment["MPI_LIB"] = mpiLib; // launchers pass their environment on to the ranks
        var output = new StringBuilder();
        using var p = Process.Start(info)!;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"{Path.GetFileName(exe)} {string.Join(' ', args)} did not end within {limit} (a hang):\n{output}");
        }
        p.WaitForExit(); // drains the redirected streams
        lock (output) return (p.ExitCode, output.ToString());
    }

    /// <summary>The "key values…" lines of a probe's output file, by key (the first word);
    /// "value NAME v…" and "initial NAME v…" lines are keyed by their first two words; of repeated keys the last line counts.</summary>
    public static Dictionary<string, string[]> ReadResults(string path) =>
        File.ReadAllLines(path).Select(l => l.Split(' ')).GroupBy(w => w[0] is "value" or "initial" ? $"{w[0]} {w[1]}" : w[0])
            .ToDictionary(g => g.Key, g => g.Last()[(g.Key.Contains(' ') ? 2 : 1)..], StringComparer.Ordinal);
}
