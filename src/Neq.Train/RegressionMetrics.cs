using Neq.Onnx.Training;

namespace Neq.Train;

/// <summary>
/// How the console and metrics.csv tell a regression run (--loss mse) from a classification run:
/// its epochs have a loss but no top-1 (<see cref="ClassificationStats"/> leaves it NaN), and they
/// report the root of the mean squared error instead.
/// </summary>
static class RegressionMetrics
{
    /// <summary>True when <paramref name="m"/> is a regression epoch.</summary>
    public static bool Is(EpochMetrics m) => double.IsNaN(m.TestTop1) && !double.IsNaN(m.TestLoss);

    /// <summary>√MSE: the loss of a regression epoch is the mean squared error.</summary>
    public static double Rmse(double mse) => Math.Sqrt(mse);
}
