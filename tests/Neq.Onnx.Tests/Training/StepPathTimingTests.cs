using System.Diagnostics;
using Neq.Onnx.Architectures;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Training;
using Neq.Onnx.Artifacts;
using Xunit.Abstractions;

namespace Neq.Onnx.Tests.Training;

/// <summary>
/// Times one ResNet-32 training step at batch 128 on the CPU through session.Run and through IO
/// binding (host and device-style buffers), in one process with the epochs interleaved, and logs
/// the medians (slow suite; docs/cuda.md quotes the figures). It asserts only that all paths ran.
/// </summary>
[Collection(FullModelTraining.Name)]
public sealed class StepPathTimingTests(ITestOutputHelper log)
{
    const int Rounds = 3;

    [Fact]
    [Trait("Category", "Slow")]
    public void Resnet32_step_time_per_path()
    {
        var artifacts = TrainingArtifacts.Compile(CifarResNet.Build(new CifarResNetOptions(32, 10, 1)),
            new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4)));
        var data = TinyClassifier.Data(train: 6 * 128, test: 1);
        var options = new TrainerOptions(Rounds, 128, new LrSchedule(LrScheduleKind.MultiStep, 0.01, [], 0.1, Rounds), ValSize: 0, Seed: 1,
            Threads: 2, UseNeq: false, new EquilibriumOptions(), TestLimit: 0);
        StepPath[] paths = [StepPath.Run, StepPath.Binding, StepPath.DeviceBinding];
        var trainers = paths.Select(p => new NeqTrainer(artifacts, data, options, p)).ToArray();
        var times = paths.Select(_ => new List<double>()).ToArray();
        try
        {
            // Epoch 0 warms every trainer up; each later epoch gives 5 step intervals per path. Interleaving
            // the paths epoch by epoch spreads the machine's load (other jobs share its 2 cores) over all.
            for (int epoch = 0; epoch < Rounds; epoch++)
                for (int i = 0; i < paths.Length; i++)
                {
                    var steps = new StepTimes();
                    trainers[i].TrainEpoch(epoch, steps);
                    if (epoch > 0) times[i].AddRange(steps.Intervals);
                }
        }
        finally { foreach (var t in trainers) t.Dispose(); }

        for (int i = 0; i < paths.Length; i++)
        {
            var sorted = times[i].Order().ToArray();
            log.WriteLine($"{paths[i],-14} median {sorted[sorted.Length / 2] * 1e3:F0} ms over {sorted.Length} steps (min {sorted[0] * 1e3:F0}, max {sorted[^1] * 1e3:F0})");
            Assert.Equal(5 * (Rounds - 1), sorted.Length);
        }
    }

    /// <summary>Seconds between consecutive step reports: each is one whole step (the first, which includes the loader's start, is left out).</summary>
    sealed class StepTimes : IProgress<TrainerProgress>
    {
        readonly Stopwatch _clock = Stopwatch.StartNew();
        double? _last;
        public List<double> Intervals { get; } = [];

        public void Report(TrainerProgress value)
        {
            var now = _clock.Elapsed.TotalSeconds;
            if (_last is { } last) Intervals.Add(now - last);
            _last = now;
        }
    }
}
