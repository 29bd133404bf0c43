using System.Diagnostics;
using Neq.Onnx.Tests.Data;
using Neq.Onnx.Training;
using Neq.Train;
using Xunit.Abstractions;

namespace Neq.Onnx.Tests.Training;

/// <summary>
/// The checkpoint contract end to end (slow suite): the <c>neq</c> executable killed with SIGKILL in the
/// middle of an epoch, then <c>neq train --resume</c>, loses no completed epoch and logs exactly the
/// metrics of an uninterrupted run with the same seed (wall times aside).
/// </summary>
[Collection(FullModelTraining.Name)]
public sealed class KillResumeTests(ITestOutputHelper output)
{
    static readonly string[] TimeColumns = ["train_s", "neq_s", "test_s", "specialize_s", "step_s", "dense_step_ratio", "step_s_saved", "peak_rss_mib", "peak_phase"];

    [SharedCifar10Fact]
    [Trait("Category", "Slow")]
    public void Killed_mid_epoch_and_resumed_run_logs_the_metrics_of_an_uninterrupted_one()
    {
        var root = Directory.CreateTempSubdirectory("neq-kill-resume-").FullName;
        try
        {
            var (whole, killed) = (Path.Combine(root, "whole"), Path.Combine(root, "killed"));
            // ResNet-20 on 1,000 images: seconds per epoch; lr and ε as the README's from-scratch example, so
            // neurons freeze and epochs 2 and 3 train with specialised step graphs.
            string[] Train(string dir) => ["train", "--data", RepoPaths.SharedCifar10, "--arch", "resnet20-cifar", "--epochs", "3",
                "--train-size", "1000", "--test-size", "500", "--lr", "0.02", "--milestones", "1", "--eps", "0.01", "--seed", "1", "--out", dir];

            Assert.Equal(0, ExitCode(Neq(Train(whole)), TimeSpan.FromMinutes(5)));

            // Kill half an epoch into epoch 2: epoch 1 is logged only after its checkpoint is on disk.
            var run = Neq(Train(killed));
            var jsonl = Path.Combine(killed, RunHistory.MetricsFile);
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
            List<EpochMetrics> logged;
            while ((logged = RunHistory.ReadMetrics(jsonl)).Count < 1)
            {
                Assert.False(run.HasExited, "neq train ended before logging epoch 1");
                Assert.True(DateTime.UtcNow < deadline, "epoch 1 took more than 5 minutes");
                Thread.Sleep(50);
            }
            Thread.Sleep(TimeSpan.FromSeconds(logged[0].TrainSeconds / 2));
            run.Kill(entireProcessTree: true);
            run.WaitForExit();
            Assert.Single(RunHistory.ReadMetrics(jsonl)); // killed during epoch 2, not after it

            Assert.Equal(0, ExitCode(Neq(["train", "--resume", killed]), TimeSpan.FromMinutes(5)));

            var (expected, actual) = (MetricsWithoutTimes(whole), MetricsWithoutTimes(killed));
            Assert.Equal(4, expected.Length);
            Assert.Equal(expected, actual);
            Assert.Equal(File.ReadAllLines(Path.Combine(whole, "frozen_per_layer.csv")), File.ReadAllLines(Path.Combine(killed, "frozen_per_layer.csv")));
            output.WriteLine(string.Join('\n', actual));
        }
        finally { Directory.Delete(root, true); }
    }

    Process Neq(string[] args)
    {
        var exe = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "neq.exe" : "neq");
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) output.WriteLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.WriteLine("stderr: " + e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>The exit code, or the process killed and a failed assertion after <paramref name="limit"/>.</summary>
    static int ExitCode(Process p, TimeSpan limit)
    {
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{p.StartInfo.FileName} did not finish within {limit}");
        }
        p.WaitForExit();
        return p.ExitCode;
    }

    // metrics.csv with the wall-time columns blanked; everything else must match to the last digit.
    static string[] MetricsWithoutTimes(string dir)
    {
        var lines = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        var header = lines[0].Split(',');
        var times = TimeColumns.Select(c => Array.IndexOf(header, c)).ToArray();
        Assert.DoesNotContain(-1, times);
        return lines.Select(l => string.Join(',', l.Split(',').Select((v, i) => times.Contains(i) ? "" : v))).ToArray();
    }
}
