using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Neq.Bench;

/// <summary>
/// neq-bench --profile: runs train.onnx steps with ONNX Runtime's profiler on and prints where a
/// step's time goes — per operator type, per part of the step (forward, backward by rule family,
/// optimizer) and the slowest nodes — from the profile's per-node kernel times.
/// </summary>
static class StepProfile
{
    /// <summary>Profiles <paramref name="artifactDir"/>'s train.onnx: <paramref name="o"/>.Warmup + Iterations steps, the warm-ups dropped.</summary>
    public static void Run(BenchOptions o, string artifactDir, IReadOnlyList<string> tweaks, int top)
    {
        var batch = new SyntheticBatch(o.Batch, o.Seed);
        using var so = SessionTweaks.Options(o.Threads, tweaks);
        so.EnableProfiling = true;
        so.ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), "neq-profile");
        var wall = new List<double>();
        string file;
        using (var step = new TrainStep(artifactDir, so, batch, tweaks))
        {
            for (int i = 0; i < o.Warmup + o.Iterations; i++)
            {
                var sw = Stopwatch.StartNew();
                step.Step();
                if (i >= o.Warmup) wall.Add(sw.Elapsed.TotalMilliseconds);
            }
            file = step.Session.EndProfiling();
        }

        // Node events: name "<node>_kernel_time", dur in µs, args.op_name. A run's "model_run"
        // event is written when the run ends, after its node events.
        var runs = new List<List<(string Node, string Op, double Us)>>();
        var current = new List<(string Node, string Op, double Us)>();
        using (var doc = JsonDocument.Parse(File.ReadAllText(file)))
        {
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                var name = e.GetProperty("name").GetString()!;
                var cat = e.GetProperty("cat").GetString();
                if (cat == "Session" && name == "model_run") { runs.Add(current); current = []; }
                else if (cat == "Node" && name.EndsWith("_kernel_time", StringComparison.Ordinal))
                    current.Add((name[..^"_kernel_time".Length], e.GetProperty("args").GetProperty("op_name").GetString()!, e.GetProperty("dur").GetDouble()));
            }
        }
        File.Delete(file);
        var timed = runs.Skip(o.Warmup).ToList();
        int n = timed.Count;
        double total = timed.Sum(r => r.Sum(e => e.Us)) / n / 1000;
        var I = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(I, $"{n} profiled steps: wall median {Report.Median([.. wall]):F1} ms, kernel time {total:F1} ms/step ({o.Threads} threads, tweaks: {string.Join(',', tweaks.DefaultIfEmpty("none"))})"));

        void Table(string title, IEnumerable<IGrouping<string, (string Node, string Op, double Us)>> groups, int limit)
        {
            Console.WriteLine($"\n| {title} | ms/step | % | nodes |\n|---|---|---|---|");
            foreach (var g in groups.Select(g => (g.Key, Ms: g.Sum(e => e.Us) / n / 1000, Count: g.Count() / n))
                         .OrderByDescending(g => g.Ms).Take(limit))
                Console.WriteLine(string.Create(I, $"| {g.Key} | {g.Ms:F1} | {100 * g.Ms / total:F1} | {g.Count} |"));
        }
        var all = timed.SelectMany(r => r).ToList();
        Table("op type", all.GroupBy(e => e.Op), 40);
        Table("part of the step", all.GroupBy(e => Part(e.Node, e.Op)), 40);
        Table("node", all.GroupBy(e => $"{e.Node} ({e.Op})"), top);
        Console.WriteLine(string.Create(I, $"\npeak RSS {ProcessMemory.PeakRssKiB() / 1024.0:F0} MiB"));
    }


    /// <summary>
    /// A coarse label from the node name: the optimizer's nodes are named "&lt;parameter&gt;/sgd/…"
    /// (or /adam…), the autodiff engine names backward nodes "&lt;node&gt;_grad/…" after the forward
    /// node they differentiate, and ResNet's nodes carry their layer's name (conv, bn, relu, add,
    /// shortcut).
    /// </summary>
    static string Part(string node, string op)
    {
        if (node.Contains("/sgd/", StringComparison.Ordinal) || node.Contains("/adam", StringComparison.Ordinal)) return "optimizer";
        string family =
            node.Contains("shortcut", StringComparison.Ordinal) ? "shortcut"
            : node.Contains("conv", StringComparison.OrdinalIgnoreCase) ? "conv"
            : node.Contains("bn", StringComparison.Ordinal) ? "bn"
            : node.Contains("relu", StringComparison.OrdinalIgnoreCase) ? "relu"
            : node.Contains("add", StringComparison.OrdinalIgnoreCase) ? "add"
            : "other";
        return $"{(node.Contains("_grad", StringComparison.Ordinal) ? "backward" : "forward")} {family} {op}";
    }
}
