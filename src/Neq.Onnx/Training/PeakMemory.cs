using System.Globalization;

namespace Neq.Onnx.Training;

/// <summary>
/// The process's peak resident set size, phase by phase. On Linux the kernel keeps the peak in
/// VmHWM (/proc/self/status), and writing "5" to /proc/self/clear_refs sets it back to the current
/// resident size (proc(5)), so reading and resetting it at the end of each phase gives each phase
/// its own peak. Elsewhere, or where /proc refuses either, nothing is measured (null). The counter
/// is the process's, so <see cref="TakePeak"/> is too: one caller at a time takes it.
/// <para>
/// The reset also lowers what the kernel reports to an outside measure as the process's maximum
/// resident set (getrusage, <c>/usr/bin/time -v</c>): after it, that is the last phase's peak. The
/// highest phase peak is the run's. To measure a run from outside, set
/// <c>NEQ_MEMORY_PHASES=off</c>: then nothing is reset, and nothing measured here.
/// </para>
/// </summary>
public static class PeakMemory
{
    const string Status = "/proc/self/status", ClearRefs = "/proc/self/clear_refs";
    static readonly Lock Gate = new();
    const string Switch = "NEQ_MEMORY_PHASES";
    static bool _unavailable = !OperatingSystem.IsLinux() || !File.Exists(Status) || Environment.GetEnvironmentVariable(Switch) == "off";

    /// <summary>False where the peak cannot be read and reset (not Linux, or /proc refused), or NEQ_MEMORY_PHASES=off.</summary>
    public static bool Measured => !_unavailable;

    /// <summary>Why nothing is measured, for a person; null when <see cref="Measured"/>.</summary>
    public static string? NotMeasuredReason => Measured ? null
        : Environment.GetEnvironmentVariable(Switch) == "off" ? $"{Switch}=off"
        : "the peak resident memory per phase is read from Linux's /proc/self/status and reset through /proc/self/clear_refs";

    /// <summary>
    /// The peak resident bytes since the last call (or since the process started) and the resident
    /// bytes now, read together; then starts the next phase's peak at the resident size. Null when
    /// not measured.
    /// </summary>
    public static (long Peak, long Resident)? TakePeak()
    {
        lock (Gate)
        {
            if (_unavailable) return null;
            try
            {
                var status = File.ReadAllLines(Status);
                if (Read(status, "VmHWM:") is not long peak || Read(status, "VmRSS:") is not long resident)
                {
                    _unavailable = true;
                    return null;
                }
                File.WriteAllText(ClearRefs, "5");
                return (peak, resident);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A kernel without clear_refs, or a sandbox that forbids it: peaks would no longer be
                // per phase, so none is reported rather than a misleading one.
                _unavailable = true;
                return null;
            }
        }
    }

    /// <summary>A "Key:   123 kB" line of /proc/self/status in bytes; null when absent.</summary>
    static long? Read(string[] status, string key)
    {
        foreach (var line in status)
        {
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            var parts = line[key.Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[1] == "kB" && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kb))
                return kb * 1024;
        }
        return null;
    }
}
