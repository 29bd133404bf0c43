using System.Globalization;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// The update rule of a training graph and its constants (the learning rate is not one of them:
/// it is the graph input <see cref="TrainingNames.LearningRate"/>, so a schedule needs no new graph).
/// Defaults are PyTorch's, except that weight decay is 0 for every kind.
/// </summary>
/// <param name="Kind">SGD, Adam or AdamW.</param>
/// <param name="Momentum">SGD momentum μ (0 = plain SGD, no momentum state).</param>
/// <param name="Nesterov">SGD: use Nesterov momentum (needs μ &gt; 0).</param>
/// <param name="WeightDecay">L2 coefficient added to the gradient (SGD, Adam) or decoupled decay (AdamW).</param>
/// <param name="Beta1">Adam: decay of the first moment.</param>
/// <param name="Beta2">Adam: decay of the second moment.</param>
/// <param name="Epsilon">Adam: added to the bias-corrected √v (must be &gt; 0).</param>
public sealed record OptimizerOptions(
    OptimizerKind Kind = OptimizerKind.Sgd,
    double Momentum = 0,
    bool Nesterov = false,
    double WeightDecay = 0,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first constant out of its range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        Check(double.IsFinite(WeightDecay) && WeightDecay >= 0, $"Weight decay must be a finite number ≥ 0, not {F(WeightDecay)}.");
        if (Kind == OptimizerKind.Sgd)
        {
            Check(double.IsFinite(Momentum) && Momentum >= 0, $"Momentum must be a finite number ≥ 0, not {F(Momentum)}.");
            Check(!Nesterov || Momentum > 0, "Nesterov momentum needs a momentum > 0.");
        }
        else
        {
            Check(Beta1 is >= 0 and < 1, $"Adam's beta1 must lie in [0, 1), not {F(Beta1)}.");
            Check(Beta2 is >= 0 and < 1, $"Adam's beta2 must lie in [0, 1), not {F(Beta2)}.");
            // ε = 0 would make 0/0 of every element whose gradient has always been 0 (a row frozen
            // from the start), so frozen rows would turn NaN instead of staying as they are.
            Check(double.IsFinite(Epsilon) && Epsilon > 0, $"Adam's epsilon must be a finite number > 0, not {F(Epsilon)}.");
        }
    }

    /// <summary>The graph builder of this update rule (validates the options first).</summary>
    public IOptimizer Create()
    {
        Validate();
        return Kind == OptimizerKind.Sgd ? new SgdOptimizer(this) : new AdamOptimizer(this);
    }
}
