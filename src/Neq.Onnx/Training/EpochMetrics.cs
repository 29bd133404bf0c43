namespace Neq.Onnx.Training;

/// <summary>One epoch's record in metrics.jsonl / metrics.csv (accuracies in %, times in seconds).</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Lr">Learning rate used in the epoch.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches (weighted by batch size).</param>
/// <param name="TrainTop1">Training top-1 accuracy (on augmented images, as the step saw them).</param>
/// <param name="TrainTop5">Training top-5 accuracy.</param>
/// <param name="ValLoss">Validation-subset loss (inference mode), NaN without a validation subset.</param>
/// <param name="ValTop1">Validation top-1.</param>
/// <param name="ValTop5">Validation top-5.</param>
/// <param name="TestLoss">Test loss.</param>
/// <param name="TestTop1">Test top-1.</param>
/// <param name="TestTop5">Test top-5.</param>
/// <param name="TrainedFrozenPercent">Frozen neurons (% of all, classifier included) during this epoch's training.</param>
/// <param name="FrozenPercent">Frozen neurons decided at the end of the epoch, for the next one (the reference's log).</param>
/// <param name="FrozenPercentPerLayer">Per layer, the same as <paramref name="FrozenPercent"/>.</param>
/// <param name="BpropFlopsPerSample">Backward FLOPs per sample this epoch by the reference's accounting.</param>
/// <param name="BpropSavingSoFar">1 − (average remaining bprop FLOPs over epochs so far) / (full), in %.</param>
/// <param name="TrainSeconds">Wall time of the training pass.</param>
/// <param name="NeqSeconds">Wall time of the validation pass, φ/velocity and masks.</param>
/// <param name="TestSeconds">Wall time of the test pass.</param>
/// <param name="ActivationBytes">Bytes held for the previous epoch's validation activations.</param>
/// <param name="SpecializeSeconds">Wall time of building the next epoch's train.onnx specialised to its masks, and its session (0: none built).</param>
/// <param name="StepSeconds">Of <paramref name="TrainSeconds"/>, the time inside the training step itself (data loading excluded).</param>
/// <param name="Steps">Steps (batches) of the training pass.</param>
/// <param name="DenseStepRatio">
/// How many times longer the dense step (every neuron trained) took than the epoch's step, timed on
/// the same batch in interleaved rounds after the pass (1: the epoch trained with the dense graph).
/// </param>
/// <param name="TimingSeconds">Wall time of that timing (not part of any other time here).</param>
/// <param name="PeakResidentBytes">
/// The process's peak resident memory since the previous epoch's record (the first epoch's: since
/// the trainer was made, its sessions and reference pass included); 0: not measured (<see cref="PeakMemory"/>).
/// </param>
/// <param name="PeakPhase">The phase that reached <paramref name="PeakResidentBytes"/> ("train", "NEq evaluation", …; <see cref="PhasePeak.Phase"/>); empty when not measured.</param>
public sealed record EpochMetrics(
    int Epoch,
    double Lr,
    double TrainLoss,
    double TrainTop1,
    double TrainTop5,
    double ValLoss,
    double ValTop1,
    double ValTop5,
    double TestLoss,
    double TestTop1,
    double TestTop5,
    double TrainedFrozenPercent,
    double FrozenPercent,
    IReadOnlyDictionary<string, double> FrozenPercentPerLayer,
    double BpropFlopsPerSample,
    double BpropSavingSoFar,
    double TrainSeconds,
    double NeqSeconds,
    double TestSeconds,
    long ActivationBytes,
    double SpecializeSeconds = 0,
    double StepSeconds = 0,
    int Steps = 0,
    double DenseStepRatio = 1,
    double TimingSeconds = 0,
    long PeakResidentBytes = 0,
    string PeakPhase = "")
{
    /// <summary>Mean seconds of one training step this epoch (0 when not recorded).</summary>
    public double StepTime => Steps > 0 ? StepSeconds / Steps : 0;

    /// <summary>Mean seconds of one dense step this epoch (the mean step scaled by <see cref="DenseStepRatio"/>).</summary>
    public double DenseStepTime => StepTime * DenseStepRatio;

    /// <summary>Seconds the epoch's steps would have taken with the dense step (the same steps scaled by <see cref="DenseStepRatio"/>).</summary>
    public double DenseStepSeconds => StepSeconds * DenseStepRatio;

    /// <summary>Seconds the epoch's step graph saved against the dense step (negative: it cost time).</summary>
    public double SavedSeconds => DenseStepSeconds - StepSeconds;
}
