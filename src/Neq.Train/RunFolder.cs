using System.Globalization;
using System.Text;
using System.Text.Json;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Io;
using Neq.Onnx.Training;
using Neq.Onnx.Artifacts;
using Neq.Train.TensorBoard;

namespace Neq.Train;

/// <summary>
/// A run's folder: run.json (the configuration, <see cref="RunConfig"/>), artifacts/ (the graphs trained), metrics.jsonl and
/// metrics.csv (one row per epoch), frozen_per_layer.csv, plots/*.png, tensorboard/ (event files, appended per epoch), checkpoint.onnx (+ its NEq state file), and at
/// the end infer.onnx (the trained model), summary.md and memory.csv (the peak resident memory of every phase). Every file but the event files is rewritten atomically, so a
/// run killed at any moment leaves a consistent folder (TensorBoard's readers skip a cut-off last record).
/// </summary>
public sealed class RunFolder(string path)
{
    /// <summary>File holding the run's flags.</summary>
    public const string SettingsFile = "run.json";

    readonly List<EpochMetrics> _history = [];
    EquilibriumUpdate? _last;
    TensorBoardLog? _tensorBoard;

    /// <summary>The folder.</summary>
    public string Path { get; } = path;

    /// <summary>The checkpoint written after every epoch.</summary>
    public string CheckpointPath => System.IO.Path.Combine(Path, "checkpoint.onnx");

    /// <summary>Creates the folder with run.json and the artifacts.</summary>
    public void Create(RunConfig config, TrainingArtifactSet artifacts)
    {
        Directory.CreateDirectory(Path);
        Write(SettingsFile, config.ToJson());
        artifacts.Save(System.IO.Path.Combine(Path, "artifacts"));
    }

    /// <summary>Appends one epoch: rewrites the metrics files and the plots.</summary>
    public void Log(EpochMetrics m, EquilibriumUpdate? update)
    {
        if (_history.Count == 0 && m.Epoch > 0)
            _history.AddRange(RunHistory.ReadMetrics(System.IO.Path.Combine(Path, RunHistory.MetricsFile)).Where(h => h.Epoch < m.Epoch));
        _history.RemoveAll(h => h.Epoch >= m.Epoch);
        _history.Add(m);
        _last = update ?? _last;
        Write(RunHistory.MetricsFile, string.Concat(_history.Select(h => JsonSerializer.Serialize(h, CheckpointFile.Json) + "\n")));
        Write("metrics.csv", Csv());
        Write("frozen_per_layer.csv", PerLayerCsv());
        (_tensorBoard ??= new TensorBoardLog(System.IO.Path.Combine(Path, TensorBoardLog.FolderName), m.Epoch)).Log(m);
        Plots.Write(System.IO.Path.Combine(Path, "plots"), _history, _last);
    }

    // The CSV files are for people: epochs counted from 1, as on the console and in the plots
    // (metrics.jsonl keeps the trainer's 0-based index, which RunHistory reads).
    // A regression run (--loss mse) has RMSE columns where a classifier has top-1 and top-5.
    string Csv()
    {
        bool regression = _history.Count > 0 && RegressionMetrics.Is(_history[0]);
        var sb = new StringBuilder(regression
            ? "epoch,lr,train_loss,train_rmse,val_loss,val_rmse,test_loss,test_rmse,trained_frozen_pct,frozen_pct,bprop_flops_per_sample,bprop_saving_pct,train_s,neq_s,test_s,activation_bytes,specialize_s,step_s,steps,dense_step_ratio,step_s_saved,peak_rss_mib,peak_phase\n"
            : "epoch,lr,train_loss,train_top1,train_top5,val_loss,val_top1,val_top5,test_loss,test_top1,test_top5,trained_frozen_pct,frozen_pct,bprop_flops_per_sample,bprop_saving_pct,train_s,neq_s,test_s,activation_bytes,specialize_s,step_s,steps,dense_step_ratio,step_s_saved,peak_rss_mib,peak_phase\n");
        foreach (var h in _history)
            sb.AppendLine(string.Join(",", (regression
                    ? new object[] { h.Epoch + 1, h.Lr, h.TrainLoss, RegressionMetrics.Rmse(h.TrainLoss), h.ValLoss, RegressionMetrics.Rmse(h.ValLoss), h.TestLoss, RegressionMetrics.Rmse(h.TestLoss) }
                    : [h.Epoch + 1, h.Lr, h.TrainLoss, h.TrainTop1, h.TrainTop5, h.ValLoss, h.ValTop1, h.ValTop5, h.TestLoss, h.TestTop1, h.TestTop5]).Concat(new object[] {
                h.TrainedFrozenPercent, h.FrozenPercent, h.BpropFlopsPerSample, h.BpropSavingSoFar, h.TrainSeconds, h.NeqSeconds, h.TestSeconds, h.ActivationBytes, h.SpecializeSeconds, h.StepSeconds, h.Steps, h.DenseStepRatio, h.SavedSeconds,
                    h.PeakResidentBytes > 0 ? Math.Round(h.PeakResidentBytes / 1048576.0, 1) : "", h.PeakPhase })
                .Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))));
        return sb.ToString();
    }

    string PerLayerCsv()
    {
        var layers = _history.LastOrDefault()?.FrozenPercentPerLayer.Keys.ToArray() ?? [];
        var sb = new StringBuilder("epoch," + string.Join(",", layers) + "\n");
        foreach (var h in _history)
            sb.AppendLine((h.Epoch + 1).ToString(CultureInfo.InvariantCulture) + "," + string.Join(",", layers.Select(l => h.FrozenPercentPerLayer.GetValueOrDefault(l).ToString("0.##", CultureInfo.InvariantCulture))));
        return sb.ToString();
    }

    /// <summary>Writes the trained infer.onnx and summary.md; <paramref name="memory"/>: the process's peak resident memory per phase (<see cref="MemoryLog"/>).</summary>
    public void Finish(TrainingArtifactSet artifacts, NeqTrainer trainer, IReadOnlyList<PhasePeak> memory)
    {
        var infer = TrainingArtifacts.WithTrainedValues(artifacts.Infer, trainer.TrainedValues());
        OnnxFile.Save(infer, System.IO.Path.Combine(Path, "infer.onnx"));
        var history = trainer.History;
        var last = history[^1];
        var best = history.Max(h => h.TestTop1);
        var story = RunStory.Of(history);
        Write("memory.csv", MemoryCsv(memory));
        Write("summary.md", string.Create(CultureInfo.InvariantCulture, $"""
            # Run {System.IO.Path.GetFileName(System.IO.Path.GetFullPath(Path))}

            {story.Sentence}

            | | |
            |---|---|
            | epochs | {history.Count} |
            {(story.Regression
                ? $"| final test MSE / RMSE | {last.TestLoss:0.00000} / {story.TestRmse:0.0000} |\n| best test RMSE | {RegressionMetrics.Rmse(history.Min(h => h.TestLoss)):0.0000} |"
                : $"| final test top-1 / top-5 | {last.TestTop1:0.00} % / {last.TestTop5:0.00} % |\n| best test top-1 | {best:0.00} % |")}
            | frozen at the end | {last.FrozenPercent:0.00} % of neurons |
            | frozen while training (mean over epochs) | {story.MeanTrainedFrozen:0.00} % of neurons |
            | bprop FLOPs saved (mean over epochs) | {last.BpropSavingSoFar:0.00} % |
            | time | {story.TimeLine} |
            | last epoch's step | {1000 * last.StepTime:0} ms, dense {1000 * last.DenseStepTime:0} ms ({(last.DenseStepRatio > 0 ? 1 / last.DenseStepRatio : 1):0.00}×) |
            | training time | {history.Sum(h => h.TrainSeconds):0} s, NEq {history.Sum(h => h.NeqSeconds):0} s, test {history.Sum(h => h.TestSeconds):0} s, timing the dense step {history.Sum(h => h.TimingSeconds):0.0} s |
            | activation memory held by NEq | {last.ActivationBytes / 1048576.0:0.0} MiB |
            | step graphs specialised to the masks | {history.Count(h => h.SpecializeSeconds > 0)}, {history.Sum(h => h.SpecializeSeconds):0.0} s in all |
            | peak resident memory (each phase's highest) | {MemoryLog.Describe(memory)} |

            Plots: plots/accuracy_frozen.png, plots/step_time.png, plots/frozen_heatmap.png, plots/phi.png, plots/delta_phi.png, plots/velocity.png.
            TensorBoard: `tensorboard --logdir {Path}`.

            """));
    }

    // Every phase's peak and what it left resident, in the order the phases ran (epochs from 1; blank before the first).
    static string MemoryCsv(IReadOnlyList<PhasePeak> memory)
    {
        var sb = new StringBuilder("epoch,phase,peak_rss_mib,rss_after_mib\n");
        foreach (var p in memory)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{(p.Epoch < 0 ? "" : p.Epoch + 1)},{p.Phase},{p.MiB:0.0},{p.HeldBytes / 1048576.0:0.0}"));
        return sb.ToString();
    }

    void Write(string name, string text) => OnnxFile.WriteAtomically(System.IO.Path.Combine(Path, name), Encoding.UTF8.GetBytes(text));
}
