using ScottPlot;

namespace Neq.Train;

/// <summary>The PNG plots of <c>neq compare</c> (ScottPlot): per epoch, test top-1, frozen neurons and bprop FLOPs saved, one line per run.</summary>
public static class ComparisonPlots
{
    /// <summary>The files <see cref="Write"/> creates in its folder (and RUN_frozen_heatmap.png for each NEq run).</summary>
    public static readonly string[] Files = ["compare_accuracy.png", "compare_frozen.png", "compare_bprop.png"];

    /// <summary>Writes the plots into <paramref name="folder"/>.</summary>
    public static void Write(string folder, RunComparison comparison)
    {
        Directory.CreateDirectory(folder);
        var runs = comparison.Runs;
        Save(folder, Files[0], "Test top-1 accuracy", "test top-1 %", runs, (r, e) => r.Epochs[e].TestTop1, Alignment.LowerRight);
        var neq = runs.Where(r => r.Config.Trainer.UseNeq).ToList();
        Save(folder, Files[1], "Frozen neurons (decided after each epoch)", "frozen neurons %", neq, (r, e) => r.Epochs[e].FrozenPercent, Alignment.UpperLeft);
        Save(folder, Files[2], "Backward FLOPs saved in each epoch", "bprop FLOPs saved %", neq, RunComparison.EpochSaving, Alignment.UpperLeft);
        foreach (var r in neq)
            Plots.FrozenHeatmap(Path.Combine(folder, $"{r.Name}_frozen_heatmap.png"), r.Epochs, $"{r.Name}: frozen neurons per layer (layer 0 = first in graph order)");
    }

    static void Save(string folder, string file, string title, string yLabel, IReadOnlyList<RunHistory> runs, Func<RunHistory, int, double> value, Alignment legend)
    {
        var plot = new Plot();
        foreach (var r in runs)
        {
            var epochs = Enumerable.Range(1, r.Epochs.Count).Select(e => (double)e).ToArray();
            var line = plot.Add.Scatter(epochs, Enumerable.Range(0, r.Epochs.Count).Select(e => value(r, e)).ToArray());
            line.LegendText = r.Name;
        }
        plot.Title(title);
        Plots.EpochAxis(plot);
        plot.YLabel(yLabel);
        plot.Axes.SetLimitsY(0, Math.Max(1, runs.SelectMany(r => Enumerable.Range(0, r.Epochs.Count).Select(e => value(r, e))).DefaultIfEmpty(1).Max() * 1.1));
        if (runs.Count > 0) plot.ShowLegend(legend);
        plot.SavePng(Path.Combine(folder, file), 800, 450);
    }
}
