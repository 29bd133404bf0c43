using System.Globalization;

namespace Neq.Bench;

/// <summary>
/// The machine's ceiling for a training step: the fp32 GEMM peak our side reaches (MLAS SGEMM via ONNX
/// Runtime) and the step's FLOPs per image, so every configuration's images/s reads as GFLOP/s and a
/// share of that peak.
/// </summary>
/// <param name="Gemm">The GEMM peak child's measurement.</param>
/// <param name="Flops">Dense training FLOPs per image, counted from the model.</param>
sealed record Ceiling(GemmPeak.Result Gemm, TrainingFlops Flops)
{
    /// <summary>The peak, GFLOP/s.</summary>
    public double PeakGflopsPerSecond => Gemm.Peak.GflopsPerSecond;

    /// <summary>Images/s a dense step would reach at the GEMM peak.</summary>
    public double ImagesPerSecond => PeakGflopsPerSecond * 1e9 / Flops.Total;

    /// <summary>GFLOP/s achieved at <paramref name="imagesPerSecond"/> (dense-step FLOPs per image, for every configuration).</summary>
    public double Achieved(double imagesPerSecond) => imagesPerSecond * Flops.Total / 1e9;

    /// <summary>The peak line and what it means for the step.</summary>
    public string Describe()
    {
        var p = Gemm.Peak;
        var others = Gemm.Sizes.Where(s => s != p).Select(s => string.Create(CultureInfo.InvariantCulture, $"n={s.N}: {s.GflopsPerSecond:F0}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"fp32 GEMM peak (MLAS SGEMM via ONNX Runtime, n={p.N}, {Gemm.Threads} threads): {p.GflopsPerSecond:F0} GFLOP/s")
            + (others.Any() ? $" ({string.Join(", ", others)})" : "") + "\n"
            + string.Create(CultureInfo.InvariantCulture,
                $"training FLOPs per image (dense, from the model): forward {Flops.Forward / 1e9:F4} G + backward {Flops.Backward / 1e9:F4} G = {Flops.Total / 1e9:F4} G; ceiling {ImagesPerSecond:F0} images/s");
    }
}
