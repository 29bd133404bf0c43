using Neq.Onnx.Artifacts;

namespace Neq.Onnx.Tests.Artifacts;

/// <summary>
/// The update rules written out element by element in float64, independently of the graph
/// builders: MaskedSGD and MaskedAdam as docs/neq-reference.md ("What freezing does to a neuron's
/// parameters") states them, and AdamW with decoupled decay on trainable rows.
/// </summary>
sealed class ReferenceOptimizer(OptimizerOptions o, IReadOnlyList<TrainableParameter> parameters)
{
    /// <summary>The mask channel of flat element <paramref name="flat"/> of <paramref name="p"/>.</summary>
    public static int Channel(TrainableParameter p, int flat)
    {
        var dims = p.Type.KnownDims();
        long inner = 1;
        for (int a = p.MaskAxis + 1; a < dims.Length; a++) inner *= dims[a];
        return (int)(flat / inner % dims[p.MaskAxis]);
    }

    /// <summary>One step: new parameters and state by name (without the ".out" suffix).</summary>
    public Dictionary<string, double[]> Step(IReadOnlyDictionary<string, float[]> state, IReadOnlyDictionary<string, float[]> grads,
        IReadOnlyDictionary<string, float[]> masks, double lr)
    {
        var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
        double t = 0;
        if (o.Kind != OptimizerKind.Sgd)
        {
            t = state[TrainingNames.AdamStep][0] + 1.0;
            result[TrainingNames.AdamStep] = [t];
        }
        foreach (var p in parameters)
        {
            var w = state[p.Name];
            var n = w.Length;
            var pOut = new double[n];
            double[]? buf = null, m1 = null, v = null;
            if (o.Kind == OptimizerKind.Sgd && o.Momentum != 0) buf = new double[n];
            if (o.Kind != OptimizerKind.Sgd) { m1 = new double[n]; v = new double[n]; }
            for (int i = 0; i < n; i++)
            {
                double m = p.Mask is null ? 1 : masks[p.Mask][Channel(p, i)];
                double g = grads[p.Name][i], x = w[i];
                if (o.Kind == OptimizerKind.Sgd)
                {
                    double d = (g + o.WeightDecay * x) * m, upd = d;
                    if (buf is not null)
                    {
                        buf[i] = (o.Momentum * state[TrainingNames.Momentum(p.Name)][i] + d) * m;
                        upd = o.Nesterov ? d + o.Momentum * buf[i] : buf[i];
                    }
                    pOut[i] = x - lr * upd;
                }
                else
                {
                    double gd = (o.Kind == OptimizerKind.Adam ? g + o.WeightDecay * x : g) * m;
                    m1![i] = (o.Beta1 * state[TrainingNames.AdamFirstMoment(p.Name)][i] + (1 - o.Beta1) * gd) * m;
                    v![i] = o.Beta2 * state[TrainingNames.AdamSecondMoment(p.Name)][i] + (1 - o.Beta2) * gd * gd;
                    double mHat = m1[i] / (1 - Math.Pow(o.Beta1, t)), vHat = v[i] / (1 - Math.Pow(o.Beta2, t));
                    double kept = o.Kind == OptimizerKind.AdamW ? x * (1 - lr * o.WeightDecay * m) : x;
                    pOut[i] = kept - lr * mHat / (Math.Sqrt(vHat) + o.Epsilon);
                }
            }
            result[p.Name] = pOut;
            if (buf is not null) result[TrainingNames.Momentum(p.Name)] = buf;
            if (m1 is not null) { result[TrainingNames.AdamFirstMoment(p.Name)] = m1; result[TrainingNames.AdamSecondMoment(p.Name)] = v!; }
        }
        return result;
    }

    /// <summary>
    /// Asserts <paramref name="actual"/> (outputs by name, with ".out") matches <paramref name="expected"/>
    /// within <paramref name="tolerance"/> relative to each tensor's largest magnitude.
    /// </summary>
    public static void AssertClose(string label, Dictionary<string, double[]> expected, IReadOnlyDictionary<string, float[]> actual, double tolerance)
    {
        foreach (var (key, want) in expected)
        {
            var got = actual[TrainingNames.Output(key)];
            Assert.True(got.Length == want.Length, $"[{label}] {key}: {got.Length} elements, expected {want.Length}.");
            var scale = Math.Max(want.Max(Math.Abs), 1e-30);
            for (int i = 0; i < want.Length; i++)
            {
                var err = Math.Abs(got[i] - want[i]) / scale;
                Assert.True(err <= tolerance, $"[{label}] {key}[{i}] = {got[i]:G9}, rule gives {want[i]:G9} (error {err:E2} of the tensor's largest magnitude).");
            }
        }
    }
}
