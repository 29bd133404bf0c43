using Neq.Onnx.Artifacts;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Training;

namespace Neq.Onnx.Tests.Training;

/// <summary>
/// The validation and test passes run eval.onnx in batches of <see cref="TrainerOptions.EvalBatchSize"/>
/// images to bound its memory; each image's activations go to NEq's store in order, so the
/// batch size changes no result: φ, Δφ, velocity, the stored float16 activations and the
/// statistics of a run evaluated in chunks are those of one evaluated in a single run.
/// </summary>
public sealed class ChunkedEvaluationTests
{
    static (IReadOnlyList<EpochMetrics> History, TrainerCheckpoint State) Run(int evalBatch)
    {
        var options = new TrainerOptions(2, BatchSize: 16, new LrSchedule(LrScheduleKind.MultiStep, 0.05, [], 0.1, 2), ValSize: 0.1, Seed: 7,
            Threads: 1, UseNeq: true, new EquilibriumOptions(Eps: 0.3), EvalBatchSize: evalBatch);
        var compiled = TrainingArtifacts.Compile(TinyClassifier.Model(), new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9)));
        using var trainer = new NeqTrainer(compiled, TinyClassifier.Data(), options);
        Assert.Equal(24, trainer.Sizes.Validation);
        trainer.Run((_, _) => { }, _ => { });
        return (trainer.History, trainer.Capture());
    }

    [Fact]
    public void Evaluating_in_chunks_of_5_gives_the_phi_activations_and_statistics_of_one_run_over_all_24_images()
    {
        var (whole, wholeState) = Run(evalBatch: 60);  // the 24 validation images and the 60 test images in one run each
        var (chunked, chunkedState) = Run(evalBatch: 5); // 5 runs of 5 and one of 4; the test set in 12 runs
        Assert.Equal(whole.Select(Results), chunked.Select(Results));
        var (a, b) = (wholeState.Equilibrium!, chunkedState.Equilibrium!);
        Assert.True(a.HasReference && a.EpochsObserved == 2);
        Assert.Equal(a.Layers.Count, b.Layers.Count);
        foreach (var (x, y) in a.Layers.Zip(b.Layers))
        {
            Assert.Equal(x.Phi, y.Phi);
            Assert.Equal(x.DeltaPhi, y.DeltaPhi);
            Assert.Equal(x.Velocity, y.Velocity);
            Assert.Equal(x.Frozen, y.Frozen);
            Assert.Equal(x.PreviousActivations, y.PreviousActivations);
        }
        Assert.Contains(a.Layers, l => l.Phi.Any(p => p != 1)); // the passes measured something
    }

    static (double, double, double, double, double, double, double) Results(EpochMetrics m) =>
        (m.TrainLoss, m.ValLoss, m.ValTop1, m.TestLoss, m.TestTop1, m.TestTop5, m.FrozenPercent);
}
