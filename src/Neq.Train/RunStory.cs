using System.Globalization;
using Neq.Onnx.Training;

namespace Neq.Train;

/// <summary>
/// What a run did, in the numbers a person asks for at its end: accuracy, how much froze, the
/// backward work saved by count (FLOPs) and by the clock (the steps' time against the dense step,
/// timed in the run each epoch). The console's closing lines and summary.md both read it.
/// </summary>
/// <param name="Epochs">Epochs completed.</param>
/// <param name="TestTop1">Final test top-1 (%).</param>
/// <param name="Frozen">Neurons frozen at the end (%).</param>
/// <param name="MeanTrainedFrozen">Neurons frozen while training, mean over the epochs (%).</param>
/// <param name="BpropSaved">Backward FLOPs saved, mean over the epochs (%).</param>
/// <param name="StepSeconds">Seconds inside the training steps, all epochs.</param>
/// <param name="DenseSeconds">Seconds the same steps would have taken with the dense step.</param>
public sealed record RunStory(int Epochs, double TestTop1, double Frozen, double MeanTrainedFrozen, double BpropSaved, double StepSeconds, double DenseSeconds)
{
    /// <summary>
    /// False when some epoch trained with frozen neurons but none was timed against the dense step
    /// (a data-parallel run, or timing turned off): then <see cref="DenseSeconds"/> says nothing.
    /// </summary>
    public bool Timed { get; init; } = true;

    /// <summary>Seconds saved against the dense step (negative: the specialised graphs cost time).</summary>
    public double SavedSeconds => DenseSeconds - StepSeconds;

    /// <summary><see cref="SavedSeconds"/> as a share of the dense time (%).</summary>
    public double SavedPercent => DenseSeconds > 0 ? 100 * SavedSeconds / DenseSeconds : 0;

    /// <summary>The story of <paramref name="history"/> (at least one epoch).</summary>
    public static RunStory Of(IReadOnlyList<EpochMetrics> history)
    {
        ArgumentOutOfRangeException.ThrowIfZero(history.Count);
        var last = history[^1];
        return new RunStory(history.Count, last.TestTop1, last.FrozenPercent, history.Average(h => h.TrainedFrozenPercent),
            last.BpropSavingSoFar, history.Sum(h => h.StepSeconds), history.Sum(h => h.DenseStepSeconds))
        {
            Timed = history.Any(h => h.TimingSeconds > 0) || history.All(h => h.TrainedFrozenPercent == 0),
            TestRmse = RegressionMetrics.Is(last) ? RegressionMetrics.Rmse(last.TestLoss) : double.NaN,
        };
    }

    /// <summary>The time line: steps against the dense step, or that the dense step was not timed.</summary>
    public string TimeLine => Timed
        ? string.Create(CultureInfo.InvariantCulture, $"training steps {StepSeconds:0.0} s, with the dense step {DenseSeconds:0.0} s (timed against it each epoch): {Math.Abs(SavedSeconds):0.0} s {(SavedSeconds >= 0 ? "saved" : "lost")} ({Math.Abs(SavedPercent):0.0} %)")
        : string.Create(CultureInfo.InvariantCulture, $"training steps {StepSeconds:0.0} s; the dense step was not timed in this run");

    /// <summary>True for a regression run (--loss mse): <see cref="TestTop1"/> is NaN and <see cref="TestRmse"/> says how it did.</summary>
    public bool Regression => double.IsNaN(TestTop1) && !double.IsNaN(TestRmse);

    /// <summary>The final test RMSE of a regression run (NaN for a classifier).</summary>
    public double TestRmse { get; init; } = double.NaN;

    /// <summary>How the model did: test top-1, or test RMSE for a regression.</summary>
    public string Result => Regression
        ? string.Create(CultureInfo.InvariantCulture, $"test RMSE {TestRmse:0.0000}")
        : string.Create(CultureInfo.InvariantCulture, $"test top-1 {TestTop1:0.00}%");

    /// <summary>One sentence for summary.md.</summary>
    public string Sentence => string.Create(CultureInfo.InvariantCulture,
        $"After {Epochs} epoch{(Epochs == 1 ? "" : "s")}: {Result}; {Frozen:0.0} % of neurons frozen at the end ({MeanTrainedFrozen:0.0} % on average while training), so backpropagation did {BpropSaved:0.0} % fewer FLOPs; {TimeLine}.");
}
