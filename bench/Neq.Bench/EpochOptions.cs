using System.Globalization;
using Neq.Onnx.Equilibrium;

namespace Neq.Bench;

/// <summary>
/// What <c>neq-bench --epochs</c> runs: whole NEq epochs (train, NEq pass, test) of ResNet-32 on
/// CIFAR-10, ours (<c>neq train</c>) against the libtorch peer, on the same data.
/// </summary>
/// <param name="EpochCount">Epochs per process (epoch 1 is reported apart from the steady state, epochs ≥ 2).</param>
/// <param name="TrainSize">Training images per epoch (the first of the split's training indices, as <c>--train-size</c>).</param>
/// <param name="ValSize">NEq validation images, held out of the 50,000 training images as <c>--val-size</c> does.</param>
/// <param name="TestSize">Test images per test pass (the first ones, as <c>--test-size</c>).</param>
/// <param name="Batch">Training batch size.</param>
/// <param name="EvalBatch">Batch size of the validation and test passes (<c>neq train</c>'s default, 100).</param>
/// <param name="Rounds">Times each side runs, each in a fresh process, interleaved round by round.</param>
/// <param name="Threads">ONNX Runtime intra-op threads (<c>--threads</c>) and <c>torch.set_num_threads</c>.</param>
/// <param name="Seed">Seed of the initial weights, the split, the shuffle and the augmentation (both sides).</param>
/// <param name="Data">The CIFAR-10 binary archive.</param>
/// <param name="Output">Where the JSON results go (default bench/results/&lt;UTC&gt;-epochs.json).</param>
/// <param name="NeqDll">neq.dll to run (default: src/Neq.Train built in Release by the bench itself).</param>
/// <param name="CheckNeq">
/// The peer also feeds its validation activations to the project's EquilibriumController and
/// reports, per epoch, the largest |φ| difference and the frozen-set disagreements: a check that
/// its NEq is ours, which adds untimed-in-spirit work to its NEq phase (leave off when timing).
/// </param>
sealed record EpochOptions(
    int EpochCount = 3,
    int TrainSize = 10_000,
    int ValSize = 500,
    int TestSize = 2_000,
    int Batch = 100,
    int EvalBatch = 100,
    int Rounds = 2,
    int Threads = 2,
    int Seed = 1,
    string Data = "/work/shared/data/cifar-10-binary.tar.gz",
    string? Output = null,
    string? NeqDll = null,
    bool CheckNeq = false)
{
    /// <summary>CIFAR-10's training images, of which <see cref="ValSize"/> are held out.</summary>
    public const int Cifar10TrainImages = 50_000;

    /// <summary>NEq's settings: <c>neq train</c>'s defaults (ε 0.001, μ 0.5, the paper's velocity rule, no pinning, half-precision storage).</summary>
    public static EquilibriumOptions Equilibrium { get; } = new();

    /// <summary>
    /// The <c>--val-size</c> fraction that holds out exactly <see cref="ValSize"/> images:
    /// floor(f · 50,000) must be <see cref="ValSize"/>, which ValSize / 50,000 can miss by one ulp.
    /// </summary>
    public double ValFraction
    {
        get
        {
            var f = (double)ValSize / Cifar10TrainImages;
            while (Math.Floor(f * Cifar10TrainImages) < ValSize) f = Math.BitIncrement(f);
            return f;
        }
    }

    /// <summary><see cref="ValFraction"/> as both children's command lines carry it (round-trip).</summary>
    public string ValFractionText => ValFraction.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Throws <see cref="ArgumentException"/> naming the flag that is out of range.</summary>
    public void Validate()
    {
        if (ValSize is < 1 or >= Cifar10TrainImages) throw new ArgumentException($"--val-size must be in 1..{Cifar10TrainImages - 1} images (got {ValSize}).");
        if (TrainSize > Cifar10TrainImages - ValSize)
            throw new ArgumentException($"--train-size {TrainSize} is more than the {Cifar10TrainImages - ValSize} training images left after --val-size {ValSize}.");
        if (TestSize > 10_000) throw new ArgumentException($"--test-size must be at most 10000 (got {TestSize}).");
        if (!File.Exists(Data) && !Directory.Exists(Data)) throw new ArgumentException($"--data: no file or folder '{Data}'.");
    }
}
