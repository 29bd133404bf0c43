using Neq.Onnx.Ir;
using Neq.Onnx.Artifacts;

namespace Neq.Onnx.Tests.Artifacts;

/// <summary>One checked element: the gradient from grad.onnx and the central difference of its loss.</summary>
sealed record GradientSample(string Parameter, int Index, double Analytic, double Numeric)
{
    public double Error => Math.Abs(Analytic - Numeric);
    public override string ToString() => $"{Parameter}[{Index}]: analytic {Analytic:G6}, numeric {Numeric:G6}";
}

/// <summary>
/// Checks a grad.onnx against central differences of its own loss output, both run by ONNX Runtime
/// in float32: the loss is evaluated by the same graph pruned to the loss (train-mode forward).
/// </summary>
static class FiniteDifferences
{
    public static List<GradientSample> Compare(ModelProto grad, IReadOnlyDictionary<string, Feed> feeds,
        IReadOnlyList<(string Parameter, int Index)> sample, double h)
    {
        using var gradRunner = new OrtRunner(grad);
        var wanted = sample.Select(s => TrainingNames.Gradient(s.Parameter)).Distinct().ToArray();
        var analytic = gradRunner.Run(feeds, wanted);
        using var lossRunner = new OrtRunner(OrtRunner.Prune(grad, TrainingNames.Loss));
        var local = feeds.ToDictionary(kv => kv.Key, kv => kv.Value with { Data = (Array)kv.Value.Data.Clone() }, StringComparer.Ordinal);

        var result = new List<GradientSample>();
        foreach (var (p, i) in sample)
        {
            var data = local[p].Floats;
            var orig = data[i];
            // The float steps actually taken (p ± h rounds), so the quotient uses the true spacing.
            var up = (float)(orig + h);
            var down = (float)(orig - h);
            data[i] = up;
            var lossUp = (double)lossRunner.Run(local, [TrainingNames.Loss])[TrainingNames.Loss].Floats[0];
            data[i] = down;
            var lossDown = (double)lossRunner.Run(local, [TrainingNames.Loss])[TrainingNames.Loss].Floats[0];
            data[i] = orig;
            var numeric = (lossUp - lossDown) / ((double)up - down);
            result.Add(new GradientSample(p, i, analytic[TrainingNames.Gradient(p)].Floats[i], numeric));
        }
        return result;
    }
}
