namespace Neq.Bench;

/// <summary>What one bench run measures.</summary>
/// <param name="Threads">Intra-op threads for ONNX Runtime and libtorch alike (torch.set_num_threads).</param>
/// <param name="Batch">Images per step (CIFAR shapes: [Batch,3,32,32], 10 classes).</param>
/// <param name="Warmup">Untimed steps (and forwards) before the timed ones, in every process.</param>
/// <param name="Iterations">Timed steps (and forwards) per process; each process reports their median.</param>
/// <param name="Rounds">Times every configuration runs, each in a fresh process, interleaved round by round.</param>
/// <param name="Frozen">Fractions of each layer's neurons frozen by random masks, besides the dense step.</param>
/// <param name="Output">Where the JSON results go.</param>
/// <param name="Seed">Seed of the synthetic batch and the random masks.</param>
/// <param name="MasksFrom">A run's checkpoint.onnx whose masks (the next epoch's) are timed too, masked and specialised.</param>
/// <param name="Allocator">The malloc of every child process (<see cref="Neq.Bench.Allocator"/>), but the peer's default-allocator row.</param>
sealed record BenchOptions(
    int Threads = 2,
    int Batch = 128,
    int Warmup = 3,
    int Iterations = 10,
    int Rounds = 3,
    IReadOnlyList<double>? Frozen = null,
    string? Output = null,
    int Seed = 1,
    string? MasksFrom = null,
    string Allocator = Neq.Bench.Allocator.Best)
{
    /// <summary>The frozen fractions measured (default 25, 50, 75, 95 %).</summary>
    public IReadOnlyList<double> FrozenFractions => Frozen ?? [0.25, 0.50, 0.75, 0.95];

    /// <summary>Learning rate fed to both steps; it does not change the work done.</summary>
    public const float LearningRate = 0.1f;

    /// <summary>SGD momentum of both steps.</summary>
    public const double Momentum = 0.9;

    /// <summary>SGD weight decay (L2 added to the gradient) of both steps.</summary>
    public const double WeightDecay = 5e-4;

    /// <summary>CIFAR-10 classes.</summary>
    public const int Classes = 10;
}
