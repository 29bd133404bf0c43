using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Neq.Bench;

/// <summary>
/// <c>neq-bench --epochs</c>'s figures: per side, the median over rounds of each process's epoch-1
/// phase times and of its steady state (the median over its epochs ≥ 2), images/s of the training
/// pass, ratios ours ÷ libtorch, the load when each process started, and the sanity figures (epoch-1
/// training loss, final test accuracy, frozen share).
/// </summary>
static class EpochReport
{
    /// <summary>One side's phase times in one row of the table (seconds).</summary>
    sealed record Phases(double Train, double Neq, double Test)
    {
        public double Total => Train + Neq + Test;
    }

    /// <summary>A process's epoch 1, and its steady state: the median of each phase over its epochs ≥ 2 (NaN with one epoch).</summary>
    static (Phases First, Phases Steady) Of(EpochSideResult r)
    {
        static double Steady(double[] v) => v.Length > 1 ? Report.Median(v.Skip(1)) : double.NaN;
        return (new Phases(r.TrainSeconds[0], r.NeqSeconds[0], r.TestSeconds[0]),
            new Phases(Steady(r.TrainSeconds), Steady(r.NeqSeconds), Steady(r.TestSeconds)));
    }

    static Phases MedianOver(IEnumerable<Phases> p)
    {
        var list = p.ToList();
        return new Phases(Report.Median(list.Select(x => x.Train)), Report.Median(list.Select(x => x.Neq)), Report.Median(list.Select(x => x.Test)));
    }

    /// <summary>The Markdown table and the JSON text for <paramref name="results"/> (per side, one entry per round).</summary>
    public static (string Markdown, string Json) Build(EpochOptions o, IReadOnlyDictionary<string, List<EpochSideResult>> results)
    {
        var sides = new[] { "libtorch", "ours" };
        var first = sides.ToDictionary(s => s, s => MedianOver(results[s].Select(r => Of(r).First)));
        var steady = sides.ToDictionary(s => s, s => MedianOver(results[s].Select(r => Of(r).Steady)));
        int images = results["ours"][0].TrainImages;

        var md = new StringBuilder();
        string F(double v, string format = "F2") => double.IsNaN(v) ? "—" : v.ToString(format, CultureInfo.InvariantCulture);
        md.AppendLine("| side | epoch | train s | NEq s | test s | train+NEq+test s | train images/s | train × peer | NEq × peer | test × peer | total × peer |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (label, table) in new[] { ("1", first), ("≥ 2", steady) })
            foreach (var s in sides)
            {
                var p = table[s];
                var peer = table["libtorch"];
                md.AppendLine($"| {s} | {label} | {F(p.Train)} | {F(p.Neq)} | {F(p.Test)} | {F(p.Total)} | {F(images / p.Train, "F0")} | {F(p.Train / peer.Train)} | {F(p.Neq / peer.Neq)} | {F(p.Test / peer.Test)} | {F(p.Total / peer.Total)} |");
            }
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"ResNet-32, CIFAR-10: {o.EpochCount} epoch(s) per process, {images} training images (batch {o.Batch}), {o.ValSize} NEq validation images and {o.TestSize} test images (eval batch {o.EvalBatch}), {o.Threads} thread(s), seed {o.Seed}; medians over {o.Rounds} round(s); ratios ours ÷ libtorch (above 1: ours slower)."));
        md.AppendLine("Steady state (epoch ≥ 2): each process's median over its epochs 2.., then the median over rounds. Both children ran with " + Allocator.Describe(Allocator.Best) + ".");
        md.AppendLine();
        md.AppendLine("| side | round | load at start | process wall s | epoch-1 train loss | final test top-1 % | frozen % after each epoch | other |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var s in sides)
            for (int r = 0; r < results[s].Count; r++)
            {
                var x = results[s][r];
                var other = x.Side == "ours"
                    ? $"specialise s/epoch: {string.Join(", ", x.SpecializeSeconds!.Select(v => F(v)))}; step s/epoch: {string.Join(", ", x.StepSeconds!.Select(v => F(v)))}"
                    : $"reference pass {F(x.ReferenceSeconds ?? double.NaN)} s"
                      + (x.CheckMaxPhiDifference is { } d ? $"; check vs EquilibriumController: largest φ difference {string.Join(", ", d.Select(v => v.ToString("E1", CultureInfo.InvariantCulture)))}, frozen disagreements {string.Join(", ", x.CheckFrozenDisagreements!)}" : "");
                md.AppendLine($"| {s} | {r + 1} | {F(x.LoadAverage)} | {F(x.WallSeconds, "F1")} | {F(x.TrainLoss[0], "F4")} | {F(x.TestTop1[^1])} | {string.Join(", ", x.FrozenPercent.Select(v => F(v)))} | {other} |");
            }

        var json = JsonSerializer.Serialize(new
        {
            kind = "epochs",
            utc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            options = o,
            equilibrium = new { EpochOptions.Equilibrium.Eps, EpochOptions.Equilibrium.VelocityMu, rule = EpochOptions.Equilibrium.VelocityRule.ToString(), precision = EpochOptions.Equilibrium.Precision.ToString() },
            allocator = Allocator.Describe(Allocator.Best),
            trainImages = images,
            summary = sides.ToDictionary(s => s, s => new
            {
                epoch1 = first[s],
                epoch1Total = first[s].Total,
                epoch1ImagesPerSecond = images / first[s].Train,
                steady = steady[s],
                steadyTotal = steady[s].Total,
                steadyImagesPerSecond = images / steady[s].Train,
                epoch1RatioToPeer = Ratio(first[s], first["libtorch"]),
                steadyRatioToPeer = Ratio(steady[s], steady["libtorch"]),
            }),
            rounds = results,
        }, Report.Json);
        return (md.ToString(), json);
    }

    static object Ratio(Phases p, Phases peer) => new { train = p.Train / peer.Train, neq = p.Neq / peer.Neq, test = p.Test / peer.Test, total = p.Total / peer.Total };
}
