namespace Neq.Bench;

/// <summary>What one child process measured for one configuration (all times in milliseconds).</summary>
/// <param name="Config">"libtorch" or "ours-dense" / "ours-frozen25" / ….</param>
/// <param name="FrozenFraction">Fraction of mask channels actually set to 0 (0 for dense and the peer).</param>
/// <param name="ForwardMs">Inference-mode forward of the batch, per timed iteration.</param>
/// <param name="StepMs">Whole training step (forward, loss, backward, SGD update), per timed iteration.</param>
/// <param name="InStepForwardMs">Peer only: the training-mode forward + loss inside its step, timed directly.</param>
/// <param name="InStepBackwardUpdateMs">Peer only: zero_grad + backward + optimizer step inside its step, timed directly.</param>
/// <param name="PeakRssStepKiB">VmHWM after set-up and the training steps, before the forward-only phase.</param>
/// <param name="PeakRssAllKiB">VmHWM at the end of the process (forward-only phase included).</param>
/// <param name="BuildMs">Specialized configurations: building train.onnx for the masks, and its session (what the trainer pays per epoch).</param>
/// <param name="GraphMs">Specialized configurations: the graph part of <paramref name="BuildMs"/>.</param>
/// <param name="LoadAverage">The machine's 1-minute load average when the process started (other work disturbs timings).</param>
/// <param name="FirstLoss">Loss of the first step: ours and the peer start from the same values on the same batch, so they agree.</param>
sealed record ChildResult(
    string Config,
    double FrozenFraction,
    double[] ForwardMs,
    double[] StepMs,
    double[]? InStepForwardMs,
    double[]? InStepBackwardUpdateMs,
    long PeakRssStepKiB,
    long PeakRssAllKiB,
    double FirstLoss,
    double? BuildMs = null,
    double? GraphMs = null,
    double LoadAverage = double.NaN);
