using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Tests.Neurons;

/// <summary>Runs a model in ONNX Runtime on float feeds and returns the requested outputs by name.</summary>
static class OrtRunner
{
    /// <summary>Seeded feeds in [−1, 1] for the given inputs.</summary>
    public static Dictionary<string, (long[] Shape, float[] Data)> Feeds(IEnumerable<(string Name, long[] Shape)> inputs, int seed = 99)
    {
        var rng = new Random(seed);
        return inputs.ToDictionary(i => i.Name, i => (i.Shape, Enumerable.Range(0, (int)i.Shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()));
    }

    /// <summary>
    /// Runs <paramref name="model"/>; <paramref name="optimize"/> false runs it as written (no
    /// graph optimizations, no weight pre-packing), so that equal math gives equal bits.
    /// </summary>
    public static Dictionary<string, float[]> Run(ModelProto model, Dictionary<string, (long[] Shape, float[] Data)> feeds, IReadOnlyList<string> outputs, bool optimize = true)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = optimize ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        // Without optimizations a gated weight is an Identity's output, not a constant, so ORT
        // would not pre-pack it: turn pre-packing off on both sides so the same kernels run.
        if (!optimize) options.AddSessionConfigEntry("session.disable_prepacking", "1");
        using var session = new InferenceSession(Neq.Onnx.Io.OnnxFile.Serialize(model), options);
        var names = feeds.Keys.ToArray();
        var values = names.Select(n => OrtValue.CreateTensorValueFromMemory(feeds[n].Data, feeds[n].Shape)).ToArray();
        try
        {
            // Held in a variable until the run returns (RunOptionsLifetimeTests): Run passes on only the native handle, so an
            // unreferenced RunOptions can be finalized, its native memory freed, while the run still reads it.
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputs);
            var r = new Dictionary<string, float[]>(StringComparer.Ordinal);
            for (int i = 0; i < outputs.Count; i++) r[outputs[i]] = results[i].GetTensorDataAsSpan<float>().ToArray();
            return r;
        }
        finally { foreach (var v in values) v.Dispose(); }
    }

    /// <summary>Largest |a − b| / (1 + |a|) over two equally long arrays.</summary>
    public static double MaxRelDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]) / (1 + Math.Abs(a[i])));
        return worst;
    }
}
