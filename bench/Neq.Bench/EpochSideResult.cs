namespace Neq.Bench;

/// <summary>What one process of <c>neq-bench --epochs</c> measured, per epoch (index 0 = epoch 1; times in seconds).</summary>
/// <param name="Side">"ours" (<c>neq train</c>) or "libtorch" (the TorchSharp loop).</param>
/// <param name="TrainSeconds">The training pass (data loading included, as both loops read the same loader).</param>
/// <param name="NeqSeconds">The NEq pass: eval-mode validation forward, per-neuron cosines, φ, velocity and the next masks.</param>
/// <param name="TestSeconds">The test pass.</param>
/// <param name="SpecializeSeconds">Ours only: building the next epoch's step graph for its masks (outside the three phases).</param>
/// <param name="StepSeconds">Ours only: the part of <paramref name="TrainSeconds"/> inside the step itself.</param>
/// <param name="TrainLoss">Mean training loss of the epoch.</param>
/// <param name="TestTop1">Test top-1 accuracy, %.</param>
/// <param name="FrozenPercent">Neurons frozen for the next epoch, % of all (classifier outputs included, as ours counts).</param>
/// <param name="ReferenceSeconds">The peer only: the reference pass before epoch 1 (ours runs it too, untimed in its metrics).</param>
/// <param name="WallSeconds">The whole process, start to exit, as the parent timed it.</param>
/// <param name="LoadAverage">The machine's 1-minute load average when the parent started the process.</param>
/// <param name="TrainImages">Training images per epoch.</param>
/// <param name="CheckMaxPhiDifference">The peer with --check-neq: per epoch, the largest |φ_peer − φ_ours-code| over all neurons.</param>
/// <param name="CheckFrozenDisagreements">The peer with --check-neq: per epoch, neurons frozen by one and not the other.</param>
sealed record EpochSideResult(
    string Side,
    double[] TrainSeconds,
    double[] NeqSeconds,
    double[] TestSeconds,
    double[]? SpecializeSeconds,
    double[]? StepSeconds,
    double[] TrainLoss,
    double[] TestTop1,
    double[] FrozenPercent,
    double? ReferenceSeconds,
    double WallSeconds,
    double LoadAverage,
    int TrainImages,
    double[]? CheckMaxPhiDifference = null,
    int[]? CheckFrozenDisagreements = null);
