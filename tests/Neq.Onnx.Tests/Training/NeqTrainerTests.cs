using Neq.Onnx.Data;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using Neq.Onnx.Training;
using Neq.Onnx.Artifacts;

namespace Neq.Onnx.Tests.Training;

/// <summary>The training loop on a tiny classifier and synthetic data: metrics, masks, and exact resume.</summary>
public sealed class NeqTrainerTests
{
    static TrainerOptions Options(int epochs, bool neq = true) => new(
        epochs, BatchSize: 16, new LrSchedule(LrScheduleKind.MultiStep, 0.05, [2], 0.1, epochs), ValSize: 0.1, Seed: 7,
        Threads: 1, UseNeq: neq, new EquilibriumOptions(Eps: 0.01), EvalBatchSize: 32);

    static ArtifactCompilation Artifacts() =>
        TrainingArtifacts.Compile(TinyClassifier.Model(), new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4)));

    [Fact]
    public void Run_records_every_epoch_and_freezes_only_after_the_first()
    {
        var data = TinyClassifier.Data();
        using var trainer = new NeqTrainer(Artifacts(), data, Options(3));
        var logged = new List<EpochMetrics>();
        trainer.Run((m, _) => logged.Add(m), _ => { });

        Assert.Equal([0, 1, 2], logged.Select(m => m.Epoch));
        Assert.Equal(0, logged[0].TrainedFrozenPercent);          // nothing frozen while training epoch 0
        Assert.All(logged, m => Assert.True(double.IsFinite(m.TrainLoss) && double.IsFinite(m.TestTop1) && double.IsFinite(m.ValTop1)));
        Assert.Equal(0.05, logged[0].Lr, 12);
        Assert.Equal(0.005, logged[2].Lr, 12);                    // milestone 2, γ 0.1
        // What epoch e decided is what epoch e+1 trained with.
        for (int e = 0; e + 1 < logged.Count; e++) Assert.Equal(logged[e].FrozenPercent, logged[e + 1].TrainedFrozenPercent, 9);
        // Frozen % counts conv and BN channels (8+8+8+8) plus the 10 classifier outputs that never freeze.
        Assert.All(logged, m => Assert.InRange(m.FrozenPercent, 0, 100.0 * 32 / 42 + 1e-9));
    }

    [Fact]
    public void A_diverging_loss_names_the_epoch_and_batch_counted_from_1()
    {
        // lr 1e30: the first step's loss is computed before any update (finite); the updates then
        // overflow, so a later batch of the first epoch reports a non-finite loss.
        var options = Options(2) with { Schedule = new LrSchedule(LrScheduleKind.MultiStep, 1e30, [], 0.1, 2) };
        using var trainer = new NeqTrainer(Artifacts(), TinyClassifier.Data(), options);
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Run((_, _) => { }, _ => { }));
        var m = System.Text.RegularExpressions.Regex.Match(e.Message, @"at epoch (\d+), batch (\d+) of (\d+) ");
        Assert.True(m.Success, e.Message);
        Assert.Equal(1, int.Parse(m.Groups[1].Value));
        int batch = int.Parse(m.Groups[2].Value), batches = int.Parse(m.Groups[3].Value);
        Assert.InRange(batch, 2, batches);
        Assert.Equal((int)Math.Ceiling(trainer.Sizes.Train / 16.0), batches);
        Assert.Empty(trainer.History);
    }

    [Fact]
    public void A_model_with_fewer_outputs_than_the_data_has_classes_is_refused_naming_the_record()
    {
        // [N,3,32,32] → Flatten → Gemm → [N,7]: a 7-class classifier; the data's labels run to 9.
        var b = new GraphBuilder("g");
        b.AddInput("x", new TensorType(TensorProto.Types.DataType.Float, [Dim.Sym("N"), 3, 32, 32]));
        b.AddInitializer(Tensors.Float("w", [7, 3072], new float[7 * 3072]));
        b.Op("Gemm", [b.Op("Flatten", ["x"]), "w"], [Attr.Int("transB", 1)], output: "y");
        b.AddOutput("y", new TensorType(TensorProto.Types.DataType.Float, [Dim.Sym("N"), 7]));
        var compiled = TrainingArtifacts.Compile(OnnxModel.Create(b.Graph), new ArtifactOptions(new OptimizerOptions()));
        var data = TinyClassifier.Data();
        var first = Enumerable.Range(0, data.Train.Count).First(i => data.Train.Label(i) >= 7);
        var e = Assert.Throws<DatasetException>(() => new NeqTrainer(compiled, data, Options(1)));
        Assert.Equal($"synthetic (training set): record {first} has label {data.Train.Label(first)}, outside 0..6 (the model has 7 outputs).", e.Message);
    }

    [Fact]
    public void Resumed_run_continues_exactly_like_an_uninterrupted_one()
    {
        var data = TinyClassifier.Data();
        var artifacts = Artifacts();
        var whole = new List<EpochMetrics>();
        using (var a = new NeqTrainer(artifacts, data, Options(3)))
            a.Run((m, _) => whole.Add(m), _ => { });

        using var dir = new Data.TempFolder();
        var path = dir["checkpoint.onnx"];
        {
            using (var b = new NeqTrainer(artifacts, data, Options(3)))
            {
                // Stop after two epochs, as a kill between epochs would; the last checkpoint is on disk.
                var cts = new CancellationTokenSource();
                try
                {
                    b.Run((m, _) => { if (m.Epoch == 1) cts.Cancel(); }, cp => CheckpointFile.Save(path, cp), ct: cts.Token);
                }
                catch (OperationCanceledException) { }
            }
            var resumed = new List<EpochMetrics>();
            using (var c = new NeqTrainer(artifacts, data, Options(3)))
            {
                c.Restore(CheckpointFile.Load(path), path);
                Assert.Equal(2, c.NextEpoch);
                c.Run((m, _) => resumed.Add(m), _ => { });
            }
            var e2 = Assert.Single(resumed);
            var w2 = whole[2];
            Assert.Equal(w2.TrainLoss, e2.TrainLoss);
            Assert.Equal(w2.TestLoss, e2.TestLoss);
            Assert.Equal(w2.ValTop1, e2.ValTop1);
            Assert.Equal(w2.FrozenPercent, e2.FrozenPercent);
            Assert.Equal(w2.FrozenPercentPerLayer, e2.FrozenPercentPerLayer);
        }
    }

    [Fact]
    public void The_checkpoint_handed_to_Run_shares_NEq_activations_and_holds_the_state_that_Capture_copies()
    {
        using var trainer = new NeqTrainer(Artifacts(), TinyClassifier.Data(), Options(2));
        var (shared, copied) = (new List<TrainerCheckpoint>(), new List<byte[]>());
        trainer.Run((_, _) => { }, cp =>
        {
            shared.Add(cp);
            copied.Add(trainer.Capture().Equilibrium!.ToBytes());
            Assert.Equal(copied[^1], cp.Equilibrium!.ToBytes()); // during the call: the same state
        });
        Assert.Equal(2, shared.Count);
        // The first epoch's shared arrays are the controller's own: the second pass overwrote them,
        // where Capture's copy kept the first epoch's values.
        var (first, second) = (shared[0].Equilibrium!.Layers[0].PreviousActivations, shared[1].Equilibrium!.Layers[0].PreviousActivations);
        Assert.Same(first, second);
        Assert.NotEqual(copied[0], copied[1]);
        Assert.Equal(copied[1], shared[1].Equilibrium!.ToBytes()); // no pass since the last call
    }

    [Fact]
    public void A_damaged_checkpoint_is_one_clear_error_naming_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"neq-bad-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(path));
            Assert.Contains(path, e.Message);
        }
        finally { File.Delete(path); }
    }
}
