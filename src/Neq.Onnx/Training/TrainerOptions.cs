using Neq.Onnx.Equilibrium;

namespace Neq.Onnx.Training;

/// <summary>Everything a <see cref="NeqTrainer"/> run is configured by (the CLI flags of <c>neq train</c>).</summary>
/// <param name="Epochs">Training epochs.</param>
/// <param name="BatchSize">Training batch size (the last batch of an epoch may be smaller).</param>
/// <param name="Schedule">Learning rate per epoch.</param>
/// <param name="ValSize">Fraction of the training set held out as NEq's validation subset, in [0, 1).</param>
/// <param name="Seed">Seed of the split, the shuffle and the augmentation.</param>
/// <param name="Threads">ONNX Runtime intra-op threads (0: ONNX Runtime's default).</param>
/// <param name="UseNeq">False: the baseline (no masks, no equilibrium evaluation).</param>
/// <param name="Equilibrium">ε, μ, velocity rule, pinning.</param>
/// <param name="Device">"cpu" or "cuda".</param>
/// <param name="TrainLimit">Use only the first this many training images (after the validation split); null: all.</param>
/// <param name="TestLimit">Evaluate only the first this many test images; null: all.</param>
/// <param name="EvalBatchSize">
/// Batch size of the validation and test passes: images per run of eval.onnx. Each image's
/// results are the same at any size; the session's memory grows with it (ResNet-32, exporting every
/// NEq activation: about 1.7 GiB at 500, 0.37 GiB at 100).
/// </param>
/// <param name="Specialize">
/// Whenever the masks change, train with a train.onnx built for them, in which frozen neurons cost no
/// weight-gradient work (same results as the general graph; the build takes a second or two per
/// epoch). False: always the general graph, where frozen neurons' gradients are computed and masked.
/// </param>
/// <param name="DenseTimingRounds">
/// After each training pass that used a specialised step graph, time it against the dense graph on
/// the epoch's first batch in this many interleaved rounds (plus one warm-up), to report the time
/// saved; 0: no timing.
/// </param>
/// <param name="Portable">
/// Run the standard-ONNX graphs as written on the CPU too. False: on an x64 CPU whose ONNX Runtime has
/// the NCHWc kernels, the sessions run the graphs lowered to them (<see cref="CpuKernels"/>).
/// </param>
public sealed record TrainerOptions(
    int Epochs,
    int BatchSize,
    LrSchedule Schedule,
    double ValSize,
    ulong Seed,
    int Threads,
    bool UseNeq,
    EquilibriumOptions Equilibrium,
    string Device = "cpu",
    int? TrainLimit = null,
    int? TestLimit = null,
    int EvalBatchSize = 100,
    bool Specialize = true,
    int DenseTimingRounds = 2,
    bool Portable = false)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the flag when a value is impossible.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException("--epochs must be at least 1.");
        if (BatchSize < 1) throw new ArgumentException("--batch-size must be at least 1.");
        if (Schedule.BaseLr <= 0 || !double.IsFinite(Schedule.BaseLr)) throw new ArgumentException("--lr must be a positive number.");
        if (ValSize is < 0 or >= 1 || double.IsNaN(ValSize)) throw new ArgumentException("--val-size must be in [0, 1).");
        if (UseNeq && ValSize == 0) throw new ArgumentException("--val-size must be > 0 for NEq (it measures neurons on the validation subset); use --no-neq for a baseline without one.");
        if (Threads < 0) throw new ArgumentException("--threads must be 0 (default) or positive.");
        if (Device is not ("cpu" or "cuda")) throw new ArgumentException($"--device must be cpu or cuda, not '{Device}'.");
        if (TrainLimit is < 1) throw new ArgumentException("--train-size must be at least 1.");
        if (DenseTimingRounds < 0) throw new ArgumentException("DenseTimingRounds must not be negative.");
        if (TestLimit is < 0) throw new ArgumentException("--test-size must not be negative.");
        Equilibrium.Validate();
    }
}
