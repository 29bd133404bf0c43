using System.Diagnostics;
using System.Globalization;

namespace Neq.Bench;

/// <summary>
/// neq-bench --ab DIR_A DIR_B: two train.onnx variants (artifact folders and/or session tweaks)
/// timed in one process, steps interleaved A, B, A, B… after warm-ups, so load from other work
/// on a shared machine hits both alike; prints each side's median and B ÷ A.
/// </summary>
static class StepAb
{
    /// <summary>One side: an artifact folder and the session tweaks it runs with.</summary>
    public sealed record Side(string Artifacts, IReadOnlyList<string> Tweaks)
    {
        /// <summary>How the side prints.</summary>
        public override string ToString() => $"{Artifacts} [{string.Join(',', Tweaks.DefaultIfEmpty("default"))}]";
    }

    /// <summary>Runs <paramref name="o"/>.Warmup untimed then Iterations timed steps of each side, alternating.</summary>
    public static void Run(BenchOptions o, Side a, Side b)
    {
        var batch = new SyntheticBatch(o.Batch, o.Seed);
        using var soA = SessionTweaks.Options(o.Threads, a.Tweaks);
        using var soB = SessionTweaks.Options(o.Threads, b.Tweaks);
        using var stepA = new TrainStep(a.Artifacts, soA, batch, a.Tweaks);
        using var stepB = new TrainStep(b.Artifacts, soB, batch, b.Tweaks);
        var ta = new List<double>();
        var tb = new List<double>();
        var ca = new List<double>();
        var cb = new List<double>();
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        var lossA = new List<float>();
        var lossB = new List<float>();
        var I = CultureInfo.InvariantCulture;
        for (int i = 0; i < o.Warmup + o.Iterations; i++)
        {
            // Alternate which side goes first, so neither always follows the other's cache footprint.
            foreach (var (step, times, cpu, isA) in i % 2 == 0 ? new[] { (stepA, ta, ca, true), (stepB, tb, cb, false) } : [(stepB, tb, cb, false), (stepA, ta, ca, true)])
            {
                self.Refresh();
                var cpu0 = self.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                float loss = step.Step();
                double ms = sw.Elapsed.TotalMilliseconds;
                self.Refresh();
                // CPU time of the whole process: with spinning off (tweak nospin) it is the work done,
                // which other load on a shared machine disturbs far less than the wall time.
                if (i >= o.Warmup) { times.Add(ms); cpu.Add((self.TotalProcessorTime - cpu0).TotalMilliseconds); }
                if (i < 3) (isA ? lossA : lossB).Add(loss);
            }
        }
        double ma = Report.Median([.. ta]), mb = Report.Median([.. tb]);
        double cpuA = Report.Median([.. ca]), cpuB = Report.Median([.. cb]);
        Console.WriteLine(string.Create(I, $"A {a}: median {ma:F1} ms (min {ta.Min():F1}, max {ta.Max():F1}), losses of steps 1-3 {string.Join(' ', lossA.Select(l => l.ToString("F5", I)))}"));
        Console.WriteLine(string.Create(I, $"B {b}: median {mb:F1} ms (min {tb.Min():F1}, max {tb.Max():F1}), losses of steps 1-3 {string.Join(' ', lossB.Select(l => l.ToString("F5", I)))}"));
        Console.WriteLine(string.Create(I, $"B/A {mb / ma:F3} (min B/A {tb.Min() / ta.Min():F3})  (CPU-time B/A {cpuB / cpuA:F3} (A {cpuA:F0} ms, B {cpuB:F0} ms)  ({o.Iterations} steps each after {o.Warmup} warm-ups, {o.Threads} threads, peak RSS of both {ProcessMemory.PeakRssKiB() / 1024.0:F0} MiB, load {ProcessMemory.LoadAverage():F2})"));
    }
}
