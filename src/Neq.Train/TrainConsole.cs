using System.Globalization;
using Neq.Onnx.Data;
using Neq.Onnx.Training;
using Spectre.Console;

namespace Neq.Train;

/// <summary>
/// What a person sees while training: a header, a live progress display with ETA (Spectre.Console)
/// when the output is a terminal, one line per epoch always (so logs and CI keep a record).
/// </summary>
public sealed class TrainConsole(TextWriter output)
{
    readonly IAnsiConsole _console = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(output),
        Interactive = output == Console.Out && !Console.IsOutputRedirected ? InteractionSupport.Yes : InteractionSupport.No,
    });

    bool Live => _console.Profile.Capabilities.Interactive;

    /// <summary>Shows the download of the dataset.</summary>
    public IProgress<DownloadProgress> DownloadProgress() => new Progress<DownloadProgress>(p =>
        output.Write(string.Create(CultureInfo.InvariantCulture, $"\rdownloading CIFAR-10: {p.BytesReceived / 1048576.0:0.0} MiB{(p.TotalBytes is long t ? $" of {t / 1048576.0:0.0} MiB" : "")}   ")));

    /// <summary>Prints what is about to run.</summary>
    public void Header(RunConfig c, NeqTrainer t, RunFolder folder, Dataset data)
    {
        var (train, val, test) = t.Sizes;
        var (o, lr, eq) = (c.Trainer, c.Trainer.Schedule, c.Trainer.Equilibrium);
        var schedule = FlagNames.Of(FlagNames.Schedules, lr.Kind);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"neq train: {c.Source.Model ?? c.Source.Arch}, {FlagNames.Of(FlagNames.Optimizers, c.Optimizer.Kind)} lr {lr.BaseLr} ({schedule}{(lr.Kind == LrScheduleKind.MultiStep ? " " + string.Join(",", lr.Milestones) : "")}), batch {o.BatchSize}, {o.Epochs} epochs, {(!o.UseNeq ? "baseline (no NEq)" : $"NEq ε {eq.Eps} μ {eq.VelocityMu} {FlagNames.Of(FlagNames.Rules, eq.VelocityRule)}")}, seed {o.Seed}, {o.Device}, {CpuKernels.Describe(o.Device, o.Portable)} kernels"));
        var noun = data.Train.Element == SampleElement.Byte && data.Train.Shape.Count == 3 ? "images" : "samples";
        output.WriteLine($"data: {data.Source} — {train} training, {val} validation, {test} test {noun}; run folder {folder.Path}");
        if (c.Source.InitFile is { } init) output.WriteLine($"init: weights from {init}");
        foreach (var note in data.Notes) output.WriteLine($"note: {note}");
        if (t.NextEpoch > 0) output.WriteLine($"resuming after epoch {t.NextEpoch}"); // epochs count from 1: the last completed one
    }

    /// <summary>Runs <paramref name="body"/> under a live progress display (or silently when not a terminal).</summary>
    public void Progress(int epochs, Action<IProgress<TrainerProgress>?> body)
    {
        if (!Live) { body(null); return; }
        _console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var run = ctx.AddTask("run", maxValue: epochs);
                var phase = ctx.AddTask("epoch");
                body(new Progress<TrainerProgress>(p =>
                {
                    phase.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch + 1} {p.Phase} loss {p.Loss:0.000}");
                    phase.MaxValue = p.Batches;
                    phase.Value = p.Batch;
                    if (p.Phase == "train") run.Value = p.Epoch + (double)p.Batch / p.Batches;
                }));
            });
    }

    /// <summary>One line per epoch (loss and RMSE instead of top-1/top-5 for a regression).</summary>
    public void Epoch(EpochMetrics m) => Line(string.Create(CultureInfo.InvariantCulture,
        $"epoch {m.Epoch + 1,3}  lr {m.Lr:0.#####}  {(RegressionMetrics.Is(m) ? RegressionColumns(m) : ClassificationColumns(m))}  frozen {m.FrozenPercent:0.00}%  bprop saved {m.BpropSavingSoFar:0.0}%  step {1000 * m.StepTime:0}ms{(m.DenseStepRatio != 1 ? $" (dense {1000 * m.DenseStepTime:0}ms)" : "")}  time {m.TrainSeconds:0}s+{m.NeqSeconds:0.0}s+{m.TestSeconds:0.0}s{(m.SpecializeSeconds > 0 ? $", step graph {m.SpecializeSeconds:0.0}s" : "")}"));

    static string ClassificationColumns(EpochMetrics m) => string.Create(CultureInfo.InvariantCulture,
        $"train loss {m.TrainLoss:0.000} top1 {m.TrainTop1:0.00}%  val top1 {m.ValTop1:0.00}%  test loss {m.TestLoss:0.000} top1 {m.TestTop1:0.00}% top5 {m.TestTop5:0.00}%");

    static string RegressionColumns(EpochMetrics m) => string.Create(CultureInfo.InvariantCulture,
        $"train loss {m.TrainLoss:0.0000} rmse {RegressionMetrics.Rmse(m.TrainLoss):0.0000}  val loss {m.ValLoss:0.0000}  test loss {m.TestLoss:0.0000} rmse {RegressionMetrics.Rmse(m.TestLoss):0.0000}");

    // Above a live display through Spectre; otherwise straight to the writer (no wrapping at 80 columns).
    void Line(string text)
    {
        if (Live) _console.WriteLine(text);
        else output.WriteLine(text);
    }

    /// <summary>The closing lines; <paramref name="memory"/>: the process's peak resident memory per phase (<see cref="MemoryLog"/>).</summary>
    public void Done(RunFolder folder, IReadOnlyList<EpochMetrics> history, IReadOnlyList<PhasePeak> memory)
    {
        var s = RunStory.Of(history);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"done: {s.Result}, frozen {s.Frozen:0.00}% at the end ({s.MeanTrainedFrozen:0.0}% on average while training), bprop FLOPs saved {s.BpropSaved:0.0}%"));
        output.WriteLine($"time: {s.TimeLine}");
        output.WriteLine($"memory: {MemoryLog.Describe(memory)}");
        output.WriteLine($"wrote {folder.Path}/summary.md, infer.onnx, metrics.csv, memory.csv, plots/, tensorboard/");
    }
}
