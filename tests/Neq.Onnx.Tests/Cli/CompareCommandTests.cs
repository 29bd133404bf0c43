using System.Text.Json;
using Neq.Onnx.Tests.Data;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Training;
using Neq.Train;

namespace Neq.Onnx.Tests.Cli;

/// <summary><c>neq compare</c>: the table's figures from hand-written metrics, the plots, and its errors.</summary>
public sealed class CompareCommandTests
{
    /// <summary>run.json of a run with this optimizer, learning rate and NEq on or off (the rest: the defaults).</summary>
    static string Config(OptimizerKind optimizer, double lr, bool neq)
    {
        var d = RunConfig.Defaults;
        return (d with
        {
            Optimizer = new OptimizerOptions(optimizer),
            Trainer = d.Trainer with { UseNeq = neq, Schedule = d.Trainer.Schedule with { BaseLr = lr } },
        }).ToJson();
    }

    /// <summary>A run folder whose epochs saved <paramref name="savings"/> % of the bprop FLOPs and reached <paramref name="top1"/>.</summary>
    static string WriteRun(TempFolder tmp, string name, string runJson, double[] top1, double[] frozen, double[] savings)
    {
        var folder = Directory.CreateDirectory(tmp[name]).FullName;
        File.WriteAllText(Path.Combine(folder, "run.json"), runJson);
        var lines = new List<string>();
        double sum = 0;
        for (int e = 0; e < top1.Length; e++)
        {
            sum += savings[e];
            var m = new EpochMetrics(e, 0.1, 1, 50, 90, 1, 50, 90, 1, top1[e], 95, 0, frozen[e], new Dictionary<string, double> { ["conv1"] = frozen[e], ["fc"] = 0 },
                1e6 * (1 - savings[e] / 100), sum / (e + 1), TrainSeconds: 60 * (e + 1), NeqSeconds: 1, TestSeconds: 2, ActivationBytes: 0);
            lines.Add(JsonSerializer.Serialize(m, CheckpointFile.Json));
        }
        File.WriteAllLines(Path.Combine(folder, "metrics.jsonl"), lines);
        return folder;
    }

    [Fact]
    public void The_table_gives_final_and_best_accuracy_frozen_share_and_mean_saving_and_the_plots_are_written()
    {
        using var tmp = new TempFolder();
        var neq = WriteRun(tmp, "adam-neq", Config(OptimizerKind.Adam, 0.001, neq: true),
            top1: [40, 70, 65], frozen: [0, 10, 30], savings: [0, 6, 24]);
        var dense = WriteRun(tmp, "sgd-dense", Config(OptimizerKind.Sgd, 0.1, neq: false),
            top1: [50, 60], frozen: [0, 0], savings: [0, 0]);
        var outDir = tmp["cmp"];

        var (code, output, err) = CliRun.Neq("compare", neq, dense, "--out", outDir);

        Assert.True(code == 0, err);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, rows.Length); // header, rule, two runs
        // Final 65 %, best 70 %, frozen 30 % at the end, saving (0 + 6 + 24) / 3 = 10 %, training 60 + 120 + 180 s = 6 min.
        Assert.Equal("| adam-neq | adam lr 0.001 | yes | 3 | 65.00 % | 95.00 % | 70.00 % | 30.00 % | 30.00 % | 10.00 % | 6 min |", rows[2]);
        Assert.Equal("| sgd-dense | sgd lr 0.1 | no | 2 | 60.00 % | 95.00 % | 60.00 % | 0.00 % | 0.00 % | 0.00 % | 3 min |", rows[3]);
        Assert.Equal(output, File.ReadAllText(Path.Combine(outDir, "comparison.md")));
        foreach (var png in Train.ComparisonPlots.Files.Append("adam-neq_frozen_heatmap.png"))
            Assert.True(new FileInfo(Path.Combine(outDir, png)).Length > 1000, png);
        Assert.False(File.Exists(Path.Combine(outDir, "sgd-dense_frozen_heatmap.png"))); // a --no-neq run freezes nothing
    }

    [Fact]
    public void Each_epochs_saving_is_recovered_from_the_running_mean()
    {
        using var tmp = new TempFolder();
        var folder = WriteRun(tmp, "r", Config(OptimizerKind.Sgd, 0.1, neq: true), top1: [1, 2, 3, 4], frozen: [0, 0, 0, 0], savings: [0, 5, 12.5, 40]);
        var run = Train.RunHistory.Read(folder);
        Assert.Equal([0, 5, 12.5, 40], Enumerable.Range(0, 4).Select(e => Math.Round(Train.RunComparison.EpochSaving(run, e), 9)));
    }

    [Fact]
    public void A_folder_that_is_not_a_run_and_a_damaged_metrics_line_are_one_error_each()
    {
        using var tmp = new TempFolder();
        var (code, _, err) = CliRun.Neq("compare", tmp.Path);
        Assert.Equal(1, code);
        Assert.Contains("run.json is missing", err);

        var folder = WriteRun(tmp, "r", Config(OptimizerKind.Sgd, 0.1, neq: true), top1: [1, 2], frozen: [0, 0], savings: [0, 0]);
        File.AppendAllText(Path.Combine(folder, "metrics.jsonl"), "{\"epoch\": 2, \"testTop1\": \n");
        (code, _, err) = CliRun.Neq("compare", folder);
        Assert.Equal(1, code);
        Assert.Contains(Path.Combine(folder, "metrics.jsonl") + ": line 3", err);
        Assert.Single(err.Trim().Split('\n'));
    }
}
