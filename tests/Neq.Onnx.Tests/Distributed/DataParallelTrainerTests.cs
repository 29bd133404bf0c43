using Neq.Onnx.Artifacts;
using Neq.Onnx.Data;
using Neq.Onnx.Distributed;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Tests.Training;
using Neq.Onnx.Training;

namespace Neq.Onnx.Tests.Distributed;

/// <summary>
/// The trainer's wiring of the data-parallel step, in one process (no MPI): <see cref="NeqTrainer"/>
/// with <see cref="DataParallelTrainStep"/> (grad.onnx → allreduce → update.onnx) at K = 1 against the
/// same run with the local step (the fused train.onnx) — the same epoch loop, NEq masks, specialised
/// graphs, checkpoints. Several ranks under mpirun are in <see cref="NeqTrainMpiTests"/>.
/// </summary>
public sealed class DataParallelTrainerTests
{
    // ε large enough that neurons freeze after epoch 1, so epochs 2 and 3 train specialised grad graphs.
    static TrainerOptions Options(int epochs = 3) => new(
        epochs, BatchSize: 16, new LrSchedule(LrScheduleKind.MultiStep, 0.05, [2], 0.1, epochs), ValSize: 0.1, Seed: 7,
        Threads: 1, UseNeq: true, new EquilibriumOptions(Eps: 0.3), EvalBatchSize: 32);

    static ArtifactCompilation Artifacts() => TrainingArtifacts.Compile(TinyClassifier.Model(),
        new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4), Split: true));

    static NeqTrainer Trainer(bool dataParallel, TrainerOptions options) =>
        new(Artifacts(), Cifar10.AsDataset(TinyClassifier.Data()), options, StepPath.Run, new SingleProcessCommunicator(), dataParallel);

    /// <summary>
    /// Tolerance: per step the split and fused graphs agree to ~1e-6 relative (the same sums in
    /// another order, DataParallelStepTests); 45 steps of SGD with momentum 0.9 amplify that by at
    /// most Σ 0.9^k &lt; 10, so 1e-4 relative to a tensor's largest value leaves a margin of 10.
    /// As in SpecializedTrainerTests (graphs that differ only in rounding), the masks must agree exactly.
    /// </summary>
    const double Tolerance = 1e-4;

    [Fact]
    public void One_rank_of_the_data_parallel_step_trains_as_the_local_step_with_neq_masks_and_specialised_graphs()
    {
        (List<EpochMetrics> Epochs, TrainerCheckpoint State) Train(bool dataParallel)
        {
            var epochs = new List<EpochMetrics>();
            using var t = Trainer(dataParallel, Options());
            t.Run((m, _) => epochs.Add(m), _ => { });
            return (epochs, t.Capture());
        }
        var (local, localState) = Train(false);
        var (parallel, parallelState) = Train(true);

        Assert.True(local[0].FrozenPercent > 0, "nothing froze: the specialised grad graph was not exercised");
        Assert.True(parallel[0].SpecializeSeconds > 0, "no specialised grad graph was built after epoch 1");
        Assert.Equal(local.Count, parallel.Count);
        for (int e = 0; e < local.Count; e++)
        {
            Assert.Equal(local[e].FrozenPercentPerLayer, parallel[e].FrozenPercentPerLayer);
            Assert.Equal(local[e].TrainLoss, parallel[e].TrainLoss, Tolerance * Math.Abs(local[e].TrainLoss));
            Assert.Equal(local[e].TrainTop1, parallel[e].TrainTop1);
            Assert.Equal(local[e].ValLoss, parallel[e].ValLoss, Tolerance * Math.Abs(local[e].ValLoss));
            Assert.Equal(local[e].TestLoss, parallel[e].TestLoss, Tolerance * Math.Abs(local[e].TestLoss));
            Assert.Equal(local[e].TestTop1, parallel[e].TestTop1);
        }
        Assert.Equal(localState.Masks.Keys.Order(), parallelState.Masks.Keys.Order());
        foreach (var (name, want) in localState.Masks) Assert.Equal(want, parallelState.Masks[name]);
        Assert.Equal(localState.Tensors.Keys.Order(), parallelState.Tensors.Keys.Order());
        foreach (var (name, want) in localState.Tensors)
        {
            var got = parallelState.Tensors[name];
            var scale = Math.Max(want.Max(Math.Abs), 1e-30f);
            for (int i = 0; i < want.Length; i++)
                Assert.True(Math.Abs(want[i] - got[i]) <= Tolerance * scale, $"{name}[{i}]: {got[i]:G9} data-parallel, {want[i]:G9} local.");
        }
    }

    [Fact]
    public void A_checkpoint_of_the_local_step_resumes_in_the_data_parallel_step_as_it_would_locally()
    {
        // Checkpoints hold carried tensors by name, whichever step wrote them: epoch 1 locally, epochs 2–3 either way.
        TrainerCheckpoint first;
        using (var t = Trainer(false, Options(1)))
        {
            t.Run((_, _) => { }, _ => { });
            first = t.Capture();
        }
        TrainerCheckpoint Resume(bool dataParallel)
        {
            using var t = Trainer(dataParallel, Options());
            t.RestoreFromRoot(first, "epoch-1 checkpoint");
            Assert.Equal(1, t.NextEpoch);
            t.Run((_, _) => { }, _ => { });
            return t.Capture();
        }
        var (local, parallel) = (Resume(false), Resume(true));
        Assert.Equal(3, parallel.CompletedEpochs);
        foreach (var (name, want) in local.Masks) Assert.Equal(want, parallel.Masks[name]);
        foreach (var (name, want) in local.Tensors)
        {
            var scale = Math.Max(want.Max(Math.Abs), 1e-30f);
            Assert.All(want.Zip(parallel.Tensors[name]), p => Assert.True(Math.Abs(p.First - p.Second) <= Tolerance * scale, $"{name}: {p.Second:G9} data-parallel, {p.First:G9} local."));
        }
    }

    [Fact]
    public void The_data_parallel_step_needs_split_artifacts_and_the_cpu()
    {
        var plain = TrainingArtifacts.Compile(TinyClassifier.Model(), new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9)));
        var e = Assert.Throws<ArgumentException>(() => new NeqTrainer(plain, Cifar10.AsDataset(TinyClassifier.Data()), Options(), StepPath.Run, new SingleProcessCommunicator(), true));
        Assert.Contains("Split = true", e.Message);
        e = Assert.Throws<ArgumentException>(() => Trainer(true, Options() with { Device = "cuda" }));
        Assert.Contains("--device cuda is not supported under mpirun", e.Message);
    }
}
