using System.Globalization;

namespace Neq.Onnx.Training;

/// <summary>
/// Peak resident memory per phase, in the order the phases ended (<see cref="PeakMemory"/>): each
/// <see cref="End"/> records the process's peak since the previous phase ended. Empty where memory
/// is not measured.
/// </summary>
public sealed class MemoryLog
{
    readonly List<PhasePeak> _phases = [];

    /// <summary>The phases recorded so far.</summary>
    public IReadOnlyList<PhasePeak> Phases => _phases;

    /// <summary>Ends <paramref name="phase"/> of <paramref name="epoch"/> (−1: before the first): records its peak, unless memory is not measured.</summary>
    public void End(string phase, int epoch)
    {
        if (PeakMemory.TakePeak() is var (peak, held)) _phases.Add(new PhasePeak(phase, epoch, peak, held));
    }

    /// <summary>The highest of the phases from index <paramref name="from"/> on; null when none.</summary>
    public PhasePeak? PeakFrom(int from) =>
        from < _phases.Count ? _phases.Skip(from).MaxBy(p => p.Bytes) : null;

    /// <summary>
    /// "peak 1843 MiB in NEq evaluation (epoch 1); data 412, sessions 690, … MiB" — the highest
    /// phase, then each phase's highest peak over the epochs, in the order the phases first ran;
    /// "not measured (…)" where memory is not measured.
    /// </summary>
    public static string Describe(IReadOnlyList<PhasePeak> phases)
    {
        ArgumentNullException.ThrowIfNull(phases);
        if (phases.Count == 0)
            return PeakMemory.NotMeasuredReason is { } why ? $"not measured ({why})" : "no phase recorded";
        var peak = phases.MaxBy(p => p.Bytes);
        var byPhase = phases.GroupBy(p => p.Phase).Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Max(p => p.MiB):0}"));
        return string.Create(CultureInfo.InvariantCulture, $"peak {peak.MiB:0} MiB in {peak.Where}; {string.Join(", ", byPhase)} MiB");
    }
}
