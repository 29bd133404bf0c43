using Neq.Onnx.Equilibrium;
using Neq.Onnx.Training;
using ScottPlot;

namespace Neq.Train;

/// <summary>The run's PNG plots (ScottPlot): accuracy and frozen % per epoch, a per-layer frozen heat map, φ/Δφ/v histograms.</summary>
public static class Plots
{
    /// <summary>Writes every plot into <paramref name="folder"/>.</summary>
    public static void Write(string folder, IReadOnlyList<EpochMetrics> history, EquilibriumUpdate? last)
    {
        Directory.CreateDirectory(folder);
        var epochs = history.Select(h => (double)h.Epoch + 1).ToArray();

        var acc = new Plot();
        var top1 = acc.Add.Scatter(epochs, history.Select(h => h.TestTop1).ToArray());
        top1.LegendText = "test top-1 %";
        var frozen = acc.Add.Scatter(epochs, history.Select(h => h.FrozenPercent).ToArray());
        frozen.LegendText = "frozen neurons %";
        acc.Axes.SetLimitsY(0, 100);
        EpochAxis(acc);
        acc.Title("Test accuracy and frozen neurons");
        acc.ShowLegend();
        acc.SavePng(Path.Combine(folder, "accuracy_frozen.png"), 800, 450);

        StepTime(Path.Combine(folder, "step_time.png"), history, epochs);

        FrozenHeatmap(Path.Combine(folder, "frozen_heatmap.png"), history, "Frozen neurons per layer (layer 0 = first in graph order)");

        if (last is not null && !last.IsReference)
        {
            Histogram(folder, "phi.png", "φ (similarity to the previous epoch)", last.Layers.SelectMany(l => l.Phi));
            Histogram(folder, "delta_phi.png", "Δφ", last.Layers.SelectMany(l => l.DeltaPhi));
            Histogram(folder, "velocity.png", "velocity v", last.Layers.SelectMany(l => l.Velocity));
        }
    }

    /// <summary>
    /// The mean training step per epoch against the dense step (timed in the same epoch), with the
    /// frozen share on the right axis: the time NEq saves, and why.
    /// </summary>
    static void StepTime(string file, IReadOnlyList<EpochMetrics> history, double[] epochs)
    {
        if (history.All(h => h.Steps == 0)) return;
        var plot = new Plot();
        var step = plot.Add.Scatter(epochs, history.Select(h => 1000 * h.StepTime).ToArray());
        step.LegendText = "step (ms)";
        var dense = plot.Add.Scatter(epochs, history.Select(h => 1000 * h.DenseStepTime).ToArray());
        dense.LegendText = "dense step (ms)";
        dense.LinePattern = LinePattern.Dashed;
        var frozen = plot.Add.Scatter(epochs, history.Select(h => h.TrainedFrozenPercent).ToArray());
        frozen.LegendText = "frozen while training (%)";
        frozen.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "frozen %";
        plot.Axes.SetLimitsY(0, 100, plot.Axes.Right);
        plot.Axes.SetLimitsY(0, 1.1 * history.Max(h => 1000 * Math.Max(h.StepTime, h.DenseStepTime)));
        plot.YLabel("ms per step");
        EpochAxis(plot);
        plot.Title("Training step time: the epoch's step graph and the dense one");
        plot.ShowLegend();
        plot.SavePng(file, 800, 450);
    }

    /// <summary>
    /// Frozen % of every layer (rows, the first layer at the bottom) after every epoch (columns, numbered
    /// from 1 as the console and the accuracy plot count them); nothing when the run has no masked layer.
    /// </summary>
    public static void FrozenHeatmap(string file, IReadOnlyList<EpochMetrics> history, string title)
    {
        var layers = history[^1].FrozenPercentPerLayer.Keys.ToArray();
        if (layers.Length == 0) return;
        var data = new double[layers.Length, history.Count];
        for (int l = 0; l < layers.Length; l++)
            for (int e = 0; e < history.Count; e++)
                data[l, e] = history[e].FrozenPercentPerLayer.GetValueOrDefault(layers[l]);
        var heat = new Plot();
        var hm = heat.Add.Heatmap(data);
        hm.Colormap = new ScottPlot.Colormaps.Viridis();
        hm.FlipVertically = true; // row 0 (the first layer) at the bottom, where the y axis starts
        hm.Rectangle = new CoordinateRect(0.5, history.Count + 0.5, -0.5, layers.Length - 0.5);
        heat.Add.ColorBar(hm).Label = "frozen %";
        heat.Axes.SetLimits(0.5, history.Count + 0.5, -0.5, layers.Length - 0.5);
        EpochAxis(heat);
        heat.Axes.Left.TickGenerator = IntegerTicks(); // layer numbers
        heat.Title(title);
        heat.YLabel("layer");
        heat.SavePng(file, 900, 600);
    }

    /// <summary>The x axis as epochs: labelled, ticks at whole epochs only.</summary>
    public static void EpochAxis(Plot plot)
    {
        plot.XLabel("epoch");
        plot.Axes.Bottom.TickGenerator = IntegerTicks();
    }

    static ScottPlot.TickGenerators.NumericAutomatic IntegerTicks() => new() { IntegerTicksOnly = true };

    static void Histogram(string folder, string file, string title, IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length == 0) return;
        double min = v.Min(), max = v.Max();
        if (max <= min) max = min + 1e-9;
        var hist = ScottPlot.Statistics.Histogram.WithBinCount(40, min, max);
        hist.AddRange(v);
        var plt = new Plot();
        plt.Add.Histogram(hist);
        plt.Title($"{title}, last epoch, all neurons");
        plt.YLabel("neurons");
        plt.SavePng(Path.Combine(folder, file), 700, 400);
    }
}
