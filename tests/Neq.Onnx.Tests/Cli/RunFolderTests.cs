using Neq.Onnx.Tests.Data;
using Neq.Onnx.Tests.TensorBoard;
using Neq.Train;

namespace Neq.Onnx.Tests.Cli;

/// <summary>The run folder's files for people count epochs from 1, like the console and the plots.</summary>
public sealed class RunFolderTests
{
    [Fact]
    public void Csv_files_count_epochs_from_one_and_metrics_jsonl_keeps_the_trainer_index()
    {
        using var dir = new TempFolder();
        var folder = new RunFolder(dir.Path);
        folder.Log(TensorBoardLogTests.Metrics(0), null); // the trainer's first epoch has index 0
        folder.Log(TensorBoardLogTests.Metrics(1), null);

        var csv = File.ReadAllLines(Path.Combine(dir.Path, "metrics.csv"));
        Assert.StartsWith("epoch,", csv[0], StringComparison.Ordinal);
        Assert.Equal(["1", "2"], csv.Skip(1).Select(l => l.Split(',')[0]));
        var perLayer = File.ReadAllLines(Path.Combine(dir.Path, "frozen_per_layer.csv"));
        Assert.Equal(["1", "2"], perLayer.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Equal([0, 1], RunHistory.ReadMetrics(Path.Combine(dir.Path, RunHistory.MetricsFile)).Select(m => m.Epoch));
    }
}
