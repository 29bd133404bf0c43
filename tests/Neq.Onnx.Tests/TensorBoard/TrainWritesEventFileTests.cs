using Neq.Onnx.Artifacts;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Tests.Data;
using Neq.Onnx.Tests.Training;
using Neq.Onnx.Training;
using Neq.Train;
using Neq.Train.TensorBoard;
using Tensorboard;

namespace Neq.Onnx.Tests.TensorBoard;

/// <summary>
/// A real (tiny) training run logged through <see cref="RunFolder"/>, stopped after two epochs and resumed
/// from its checkpoint as <c>neq train --resume</c> does, leaves event files agreeing with metrics.jsonl.
/// (<c>neq train</c> itself only reads full-size CIFAR-10 files, too slow for the fast suite.)
/// </summary>
public sealed class TrainWritesEventFileTests
{
    static TrainerOptions Options(int epochs) => new(
        epochs, BatchSize: 16, new LrSchedule(LrScheduleKind.MultiStep, 0.05, [2], 0.1, epochs), ValSize: 0.1, Seed: 7,
        Threads: 1, UseNeq: true, new EquilibriumOptions(Eps: 0.01), EvalBatchSize: 32);

    [Fact]
    public void A_stopped_and_resumed_run_logs_one_value_per_epoch_per_tag_matching_metrics_jsonl()
    {
        using var dir = new TempFolder();
        var data = TinyClassifier.Data(train: 96, test: 32);
        var artifacts = TrainingArtifacts.Compile(TinyClassifier.Model(), new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4)));
        var checkpoint = dir["checkpoint.onnx"];
        using (var first = new NeqTrainer(artifacts, data, Options(3)))
        {
            var folder = new RunFolder(dir.Path);
            var cts = new CancellationTokenSource();
            try { first.Run((m, u) => { folder.Log(m, u); if (m.Epoch == 1) cts.Cancel(); }, cp => CheckpointFile.Save(checkpoint, cp), ct: cts.Token); }
            catch (OperationCanceledException) { }
        }
        using (var resumed = new NeqTrainer(artifacts, data, Options(3)))
        {
            resumed.Restore(CheckpointFile.Load(checkpoint), checkpoint);
            var folder = new RunFolder(dir.Path);
            resumed.Run(folder.Log, _ => { });
        }

        var files = Directory.GetFiles(Path.Combine(dir.Path, TensorBoardLog.FolderName)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, files.Length);
        var events = files.SelectMany(f => EventFileReader.Records(f).Select(r => Event.Parser.ParseFrom(r))).ToList();
        Assert.Equal(2, events.Count(e => e.FileVersion == TensorBoardLog.FileVersion));
        var metrics = RunHistory.ReadMetrics(Path.Combine(dir.Path, RunHistory.MetricsFile));
        Assert.Equal([0, 1, 2], metrics.Select(m => m.Epoch));

        var byTag = events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Select(v => (e.Step, v)))
            .GroupBy(x => x.v.Tag).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Contains("top1/val", byTag.Keys);
        foreach (var (tag, points) in byTag)
            Assert.True(points.Select(p => p.Step).SequenceEqual([1L, 2L, 3L]), $"{tag}: steps {string.Join(",", points.Select(p => p.Step))}");
        Assert.Equal(metrics.Select(m => (float)m.TestTop1), byTag["top1/test"].Select(p => p.v.SimpleValue));
        Assert.Equal(metrics.Select(m => (float)m.TrainLoss), byTag["loss/train"].Select(p => p.v.SimpleValue));
        Assert.Equal(metrics.Select(m => (float)m.Lr), byTag["lr"].Select(p => p.v.SimpleValue));
        Assert.Equal(metrics.Select(m => (float)m.FrozenPercent), byTag["neq/frozen_percent"].Select(p => p.v.SimpleValue));
        Assert.Equal(metrics.Select(m => (double)m.FrozenPercentPerLayer.Count), byTag[EpochSummary.FrozenPerLayerTag].Select(p => p.v.Histo.Num));
    }
}
