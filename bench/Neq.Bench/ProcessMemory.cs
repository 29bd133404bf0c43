namespace Neq.Bench;

/// <summary>The process's peak resident set size, as the kernel counts it.</summary>
static class ProcessMemory
{
    /// <summary>VmHWM from /proc/self/status in KiB ("high water mark" of RSS since the process started); -1 where unavailable.</summary>
    public static long PeakRssKiB()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return -1;
        foreach (var line in File.ReadLines(path))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        return -1;
    }

    /// <summary>The 1-minute load average from /proc/loadavg; NaN where unavailable.</summary>
    public static double LoadAverage()
    {
        const string path = "/proc/loadavg";
        return File.Exists(path) && double.TryParse(File.ReadAllText(path).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v : double.NaN;
    }
}
