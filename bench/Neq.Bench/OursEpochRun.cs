using System.Diagnostics;
using System.Globalization;

namespace Neq.Bench;

/// <summary>
/// Ours in <c>neq-bench --epochs</c>: the real <c>neq train</c> CLI in a child process, started from
/// the same initial weights (<c>--init</c>) with the same data flags, optimizer and NEq settings as
/// the peer; its per-epoch phase times are read back from the run folder's metrics.csv.
/// </summary>
static class OursEpochRun
{
    /// <summary>
    /// The <c>neq train</c> arguments: ResNet-32 on CIFAR-10 from <paramref name="init"/>, the
    /// bench's sizes, SGD (lr, momentum, weight decay spelled out from the constants the peer uses),
    /// NEq's ε and μ spelled out from the peer's settings, written to <paramref name="runDir"/>.
    /// </summary>
    public static IReadOnlyList<string> Arguments(EpochOptions o, string init, string runDir) =>
    [
        "train", "--arch", "resnet32-cifar", "--init", init, "--dataset", "cifar10", "--data", o.Data,
        "--epochs", I(o.EpochCount), "--train-size", I(o.TrainSize), "--val-size", o.ValFractionText, "--test-size", I(o.TestSize),
        "--batch-size", I(o.Batch), "--eval-batch-size", I(o.EvalBatch),
        "--optim", "sgd", "--lr", BenchOptions.LearningRate.ToString("R", CultureInfo.InvariantCulture), "--momentum", D(BenchOptions.Momentum), "--weight-decay", D(BenchOptions.WeightDecay),
        "--eps", D(EpochOptions.Equilibrium.Eps), "--velocity-mu", D(EpochOptions.Equilibrium.VelocityMu), "--velocity-rule", "paper",
        "--seed", I(o.Seed), "--threads", I(o.Threads), "--out", runDir,
    ];

    /// <summary>Runs <c>neq train</c> (<paramref name="neqDll"/>) under the allocator settings and reads its metrics.csv.</summary>
    public static EpochSideResult Run(EpochOptions o, string neqDll, string init, string runDir)
    {
        // The apphost next to the dll when there is one (the peer's child is the bench's own apphost), else "dotnet neq.dll".
        var apphost = Path.ChangeExtension(neqDll, null);
        var psi = new ProcessStartInfo(File.Exists(apphost) ? apphost : "dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (!File.Exists(apphost)) psi.ArgumentList.Add(neqDll);
        foreach (var a in Arguments(o, init, runDir)) psi.ArgumentList.Add(a);
        Allocator.Apply(Allocator.Best, psi.Environment);
        var (stdout, wall, load) = EpochBench.RunTimed(psi, "ours (neq train)");
        var metrics = Path.Combine(runDir, "metrics.csv");
        if (!File.Exists(metrics)) throw new InvalidOperationException($"ours (neq train): no {metrics} after the run.\n{stdout}");
        return Parse(metrics, o.TrainSize) with { WallSeconds = wall, LoadAverage = load };
    }

    /// <summary>The per-epoch columns of a classification run's metrics.csv (train_s, neq_s, test_s, specialize_s, step_s, train_loss, test_top1, frozen_pct).</summary>
    static EpochSideResult Parse(string path, int trainImages)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        double[] Column(string name)
        {
            int i = Array.IndexOf(header, name);
            if (i < 0) throw new InvalidOperationException($"{path}: no column '{name}' (header: {lines[0]}).");
            return rows.Select((r, n) => double.TryParse(r[i], CultureInfo.InvariantCulture, out var v) ? v
                : throw new InvalidOperationException($"{path}: row {n + 2}, column '{name}' is '{r[i]}', not a number.")).ToArray();
        }
        return new EpochSideResult("ours", Column("train_s"), Column("neq_s"), Column("test_s"), Column("specialize_s"), Column("step_s"),
            Column("train_loss"), Column("test_top1"), Column("frozen_pct"), null, double.NaN, double.NaN, trainImages);
    }

    static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    static string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
