using Neq.Onnx.Equilibrium;
using Neq.Onnx.Training;
using Neq.Onnx.Artifacts;

namespace Neq.Onnx.Tests.Training;

/// <summary>
/// The trainer with <see cref="TrainerOptions.Specialize"/> on (a train.onnx built for each epoch's
/// masks) against off (the general graph, masked): the same run on the tiny classifier, with ε large
/// enough that many neurons freeze after the first epoch. The graphs compute the same step up to
/// float32 rounding in sums over fewer rows, so losses and tensors agree within 1e-4 relative.
/// </summary>
public sealed class SpecializedTrainerTests
{
    static TrainerOptions Options(bool specialize) => new(
        3, BatchSize: 16, new LrSchedule(LrScheduleKind.MultiStep, 0.05, [2], 0.1, 3), ValSize: 0.1, Seed: 7,
        Threads: 1, UseNeq: true, new EquilibriumOptions(Eps: 0.3), EvalBatchSize: 32, Specialize: specialize);

    static ArtifactCompilation Artifacts(OptimizerOptions optimizer) => TrainingArtifacts.Compile(TinyClassifier.Model(), new ArtifactOptions(optimizer));

    public static TheoryData<string, bool> Cases() => new()
    {
        { "sgd", false }, { "adam", false }, { "sgd", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Specialised_run_matches_the_general_run(string optimizer, bool deviceBinding)
    {
        var options = optimizer == "adam" ? new OptimizerOptions(OptimizerKind.Adam, WeightDecay: 5e-4)
            : new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4);
        var path = deviceBinding ? StepPath.DeviceBinding : StepPath.Run;
        (List<EpochMetrics>, TrainerCheckpoint) Train(bool specialize)
        {
            var epochs = new List<EpochMetrics>();
            using var t = new NeqTrainer(Artifacts(options), TinyClassifier.Data(), Options(specialize), path);
            t.Run((m, _) => epochs.Add(m), _ => { });
            return (epochs, t.Capture());
        }
        var (general, generalState) = Train(false);
        var (special, specialState) = Train(true);

        Assert.True(general[0].FrozenPercent > 0, "nothing froze: the specialised graph was not exercised");
        Assert.All(general, m => Assert.Equal(0, m.SpecializeSeconds));
        Assert.True(special[0].SpecializeSeconds > 0, "no specialised graph was built after epoch 0");
        for (int e = 0; e < general.Count; e++)
        {
            Assert.Equal(general[e].FrozenPercentPerLayer, special[e].FrozenPercentPerLayer);
            Assert.Equal(general[e].TrainLoss, special[e].TrainLoss, 1e-4 * Math.Abs(general[e].TrainLoss));
            Assert.Equal(general[e].TestLoss, special[e].TestLoss, 1e-4 * Math.Abs(general[e].TestLoss));
            Assert.Equal(general[e].TestTop1, special[e].TestTop1);
        }
        foreach (var (name, want) in generalState.Tensors)
        {
            var got = specialState.Tensors[name];
            var scale = Math.Max(want.Max(Math.Abs), 1e-30f);
            for (int i = 0; i < want.Length; i++)
                Assert.True(Math.Abs(want[i] - got[i]) <= 1e-4 * scale, $"{name}[{i}]: {got[i]:G9} specialised, {want[i]:G9} general.");
        }
    }

    /// <summary>
    /// Timing the epoch's step graph against the dense one runs both graphs on a batch but must
    /// leave the run untouched: a run that times every epoch ends with exactly the tensors of one
    /// that never times, while its metrics carry the timing of each specialised epoch.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Timing_against_the_dense_step_leaves_the_run_unchanged(bool deviceBinding)
    {
        var artifacts = Artifacts(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4));
        var path = deviceBinding ? StepPath.DeviceBinding : StepPath.Run;
        (List<EpochMetrics>, TrainerCheckpoint, int) Train(int rounds)
        {
            var epochs = new List<EpochMetrics>();
            using var t = new NeqTrainer(artifacts, TinyClassifier.Data(), Options(true) with { DenseTimingRounds = rounds }, path);
            t.Run((m, _) => epochs.Add(m), _ => { });
            return (epochs, t.Capture(), t.Sizes.Train);
        }
        var (untimed, untimedState, _) = Train(0);
        var (timed, timedState, trainImages) = Train(3);

        foreach (var (name, want) in untimedState.Tensors)
            Assert.Equal(want, timedState.Tensors[name]);
        Assert.Equal(untimed.Select(m => m.TrainLoss), timed.Select(m => m.TrainLoss));
        Assert.All(untimed, m => Assert.Equal((1.0, 0.0), (m.DenseStepRatio, m.TimingSeconds)));
        // Epoch 1 trains every neuron (the dense graph: nothing to time); later epochs train with a
        // specialised graph, and each is timed against the dense one.
        Assert.Equal((1.0, 0.0), (timed[0].DenseStepRatio, timed[0].TimingSeconds));
        Assert.All(timed.Skip(1), m => Assert.True(m.TimingSeconds > 0 && m.DenseStepRatio > 0 && m.DenseStepRatio != 1, $"epoch {m.Epoch + 1}: ratio {m.DenseStepRatio}, {m.TimingSeconds} s"));
        int batches = (trainImages + 15) / 16;
        Assert.All(timed, m => Assert.True(m.Steps == batches && m.StepSeconds > 0 && m.StepSeconds <= m.TrainSeconds, $"epoch {m.Epoch + 1}: {m.Steps} steps, {m.StepSeconds} s of {m.TrainSeconds} s"));
    }

    /// <summary>
    /// Masks that change under the trainer's feet through <see cref="NeqTrainer.Restore"/>: frozen
    /// channels (a specialised session; on the host the general one is released), then every channel
    /// trainable again (the general session, made again). Each epoch must match a trainer that never
    /// specialises, on the plain and the IO-binding paths.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sessions_follow_masks_set_by_restore_both_ways(bool deviceBinding)
    {
        var artifacts = Artifacts(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4));
        var data = TinyClassifier.Data();
        TrainerCheckpoint frozen;
        using (var first = new NeqTrainer(artifacts, data, Options(true) with { Epochs = 1 }))
        {
            first.Run((_, _) => { }, _ => { });
            frozen = first.Capture();
        }
        Assert.Contains(frozen.Masks.Values, m => m.Contains(0f));
        var thawed = frozen with { Masks = frozen.Masks.ToDictionary(kv => kv.Key, kv => Enumerable.Repeat(1f, kv.Value.Length).ToArray()) };

        var path = deviceBinding ? StepPath.DeviceBinding : StepPath.Run;
        (double Loss, TrainerCheckpoint State) Epochs(bool specialize)
        {
            using var t = new NeqTrainer(artifacts, data, Options(specialize), path);
            double loss = 0;
            foreach (var cp in new[] { frozen, thawed, frozen })
            {
                t.Restore(cp with { Tensors = t.Capture().Tensors }, "test");
                loss += t.TrainEpoch(1).Loss;
            }
            return (loss, t.Capture());
        }
        var (generalLoss, general) = Epochs(false);
        var (specialLoss, special) = Epochs(true);
        Assert.Equal(generalLoss, specialLoss, 1e-4 * Math.Abs(generalLoss));
        foreach (var (name, want) in general.Tensors)
        {
            var got = special.Tensors[name];
            var scale = Math.Max(want.Max(Math.Abs), 1e-30f);
            for (int i = 0; i < want.Length; i++)
                Assert.True(Math.Abs(want[i] - got[i]) <= 1e-4 * scale, $"{name}[{i}]: {got[i]:G9} specialised, {want[i]:G9} general.");
        }
    }
}
