using System.Globalization;
using System.Text;

namespace Neq.Train;

/// <summary>Several runs side by side (<c>neq compare</c>): a Markdown table of their final figures and the per-epoch series the comparison plots draw.</summary>
public sealed class RunComparison(IReadOnlyList<RunHistory> runs)
{
    /// <summary>The runs, in the order given.</summary>
    public IReadOnlyList<RunHistory> Runs { get; } = runs;

    /// <summary>
    /// The share of a full backward pass's FLOPs that epoch <paramref name="epoch"/> saved, in %, recovered from
    /// the running mean the metrics keep (<c>BpropSavingSoFar</c> after epoch k is the mean of epochs 0..k).
    /// </summary>
    public static double EpochSaving(RunHistory run, int epoch)
    {
        double now = run.Epochs[epoch].BpropSavingSoFar * (epoch + 1);
        double before = epoch == 0 ? 0 : run.Epochs[epoch - 1].BpropSavingSoFar * epoch;
        return now - before;
    }

    /// <summary>The table: one row per run.</summary>
    public string Table()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| run | optimizer | NEq | epochs | final test top-1 | final test top-5 | best test top-1 | frozen at the end | most frozen | bprop FLOPs saved | training time |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in Runs)
        {
            var last = r.Epochs[^1];
            var c = r.Config;
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {FlagNames.Of(FlagNames.Optimizers, c.Optimizer.Kind)} lr {c.Trainer.Schedule.BaseLr:G4} | {(c.Trainer.UseNeq ? "yes" : "no")} | {r.Epochs.Count} | {last.TestTop1:0.00} % | {last.TestTop5:0.00} % | {r.Epochs.Max(e => e.TestTop1):0.00} % | {last.FrozenPercent:0.00} % | {r.Epochs.Max(e => e.FrozenPercent):0.00} % | {last.BpropSavingSoFar:0.00} % | {r.Epochs.Sum(e => e.TrainSeconds) / 60:0} min |"));
        }
        return sb.ToString();
    }
}
