using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Autodiff;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// Checks generated gradients against central finite differences, both evaluated by ONNX Runtime:
/// loss = Σ y ⊙ R with fixed random R, so dloss/dy = R exercises every output element.
/// </summary>
public static class GradCheck
{
    /// <summary>Largest error found per checked input; fails with the seed and the worst element.</summary>
    public static void Run(GradCase row, int maxElementsPerInput = 48)
    {
        var rng = new Random(row.Seed);
        var sample = row.Sample ?? (r => (0.2 + r.NextDouble()) * (r.Next(2) == 0 ? -1 : 1));
        var values = row.Inputs.ToDictionary(i => i.Name, i => Enumerable.Range(0, (int)i.Shape.Aggregate(1L, (a, b) => a * b)).Select(_ => sample(rng)).ToArray());

        // Forward graph with the loss.
        var forward = BuildForward(row, values, rng);
        var lossModel = forward.Clone();
        using var lossSession = new InferenceSession(OnnxFileBytes(lossModel));

        // Backward graph.
        var gradModel = forward.Clone();
        var options = new GradientOptions("loss", row.Wrt, row.OnlyRows);
        var grads = row.Shapes is null ? Backward.Append(gradModel, options)
            : Backward.Append(gradModel, options, row.Shapes(ShapeInference.Infer(gradModel)));
        foreach (var w in row.Wrt)
        {
            var g = grads[w] ?? throw new Xunit.Sdk.XunitException($"[{row.Name}] no gradient reached '{w}'.");
            gradModel.Graph.Output.Add(new ValueInfoProto { Name = g });
        }
        using var gradSession = new InferenceSession(OnnxFileBytes(gradModel));
        var analytic = RunAll(gradSession, row, values, row.Wrt.Select(w => grads[w]!).ToArray());

        for (int wi = 0; wi < row.Wrt.Count; wi++)
        {
            var w = row.Wrt[wi];
            var x = values[w];
            var an = analytic[wi];
            Assert.True(an.Length == x.Length, $"[{row.Name}] gradient of '{w}' has {an.Length} elements, input has {x.Length}.");
            double h = row.Type == DataType.Double ? 1e-6 : 1e-2;
            var idx = Enumerable.Range(0, x.Length).ToArray();
            if (row.OnlyRows?.GetValueOrDefault(w) is { } subset)
            {
                var shape = row.Inputs.First(i => i.Name == w).Shape;
                long inner = shape.Skip(subset.Axis + 1).Aggregate(1L, (a, b) => a * b);
                idx = idx.Where(k => subset.Indices.Contains(k / inner % shape[subset.Axis])).ToArray();
            }
            if (idx.Length > maxElementsPerInput) idx = idx.OrderBy(_ => rng.Next()).Take(maxElementsPerInput).ToArray();
            double worst = 0; int worstAt = -1; double worstAn = 0, worstFd = 0;
            foreach (var k in idx)
            {
                var orig = x[k];
                x[k] = orig + h; var lp = Loss(lossSession, row, values);
                x[k] = orig - h; var lm = Loss(lossSession, row, values);
                x[k] = orig;
                var fd = (lp - lm) / (2 * h);
                var err = Math.Abs(an[k] - fd) / Math.Max(1, Math.Abs(fd));
                if (err > worst) { worst = err; worstAt = k; worstAn = an[k]; worstFd = fd; }
            }
            Assert.True(worst <= row.Tolerance,
                $"[{row.Name}] d loss/d {w}: max error {worst:E3} > {row.Tolerance:E1} at element {worstAt} (analytic {worstAn:G9}, numeric {worstFd:G9}); seed {row.Seed}.");
        }
    }

    static ModelProto BuildForward(GradCase row, Dictionary<string, double[]> values, Random rng)
    {
        var b = new GraphBuilder("gradcheck");
        foreach (var (name, shape) in row.Inputs) b.AddInput(name, TensorType.Of(row.Type, shape));
        row.Build(b);
        // Learn y's shape from ONNX Runtime itself, then weight it with R.
        var probe = OnnxModel.Create(b.Graph.Clone(), row.Opset);
        row.Finish?.Invoke(probe);
        probe.Graph.Output.Add(new ValueInfoProto { Name = "y" });
        using var s = new InferenceSession(OnnxFileBytes(probe));
        // Held in a variable until the run returns (RunOptionsLifetimeTests): Run passes on only the native handle, so an
        // unreferenced RunOptions can be finalized, its native memory freed, while the run still reads it.
        using var runOptions = new RunOptions();
        var inputs = Values(row, values); // held (and disposed) after the run, like the run options
        long[] yShape;
        try
        {
            using var outputs = s.Run(runOptions, Names(row), inputs, ["y"]);
            yShape = outputs[0].GetTensorTypeAndShape().Shape;
        }
        finally { foreach (var v in inputs) v.Dispose(); }
        var count = (int)yShape.Aggregate(1L, (a, c) => a * c);
        var r = Enumerable.Range(0, count).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var rName = b.Const("R", row.Type == DataType.Double ? Tensors.Double("R", yShape, r) : Tensors.Float("R", yShape, r.Select(v => (float)v).ToArray()));
        var weighted = b.Op("Mul", ["y", rName]);
        b.Op("ReduceSum", [weighted], [Attr.Int("keepdims", 0)], output: "loss"); // no axes: all, in every opset
        b.AddOutput("loss");
        var model = OnnxModel.Create(b.Graph, row.Opset);
        row.Finish?.Invoke(model);
        return model;
    }

    static byte[] OnnxFileBytes(ModelProto m) => global::Neq.Onnx.Io.OnnxFile.Serialize(m);

    static string[] Names(GradCase row) => row.Inputs.Select(i => i.Name).ToArray();

    static OrtValue[] Values(GradCase row, Dictionary<string, double[]> values) =>
        row.Inputs.Select(i => row.Type == DataType.Double
            ? OrtValue.CreateTensorValueFromMemory(values[i.Name], i.Shape)
            : OrtValue.CreateTensorValueFromMemory(values[i.Name].Select(v => (float)v).ToArray(), i.Shape)).ToArray();

    static double Loss(InferenceSession s, GradCase row, Dictionary<string, double[]> values)
    {
        var inputs = Values(row, values);
        try
        {
            // Held in a variable until the run returns (RunOptionsLifetimeTests): Run passes on only the native handle, so an
            // unreferenced RunOptions can be finalized, its native memory freed, while the run still reads it.
            using var runOptions = new RunOptions();
            using var o = s.Run(runOptions, Names(row), inputs, ["loss"]);
            return row.Type == DataType.Double ? o[0].GetTensorDataAsSpan<double>()[0] : o[0].GetTensorDataAsSpan<float>()[0];
        }
        finally { foreach (var v in inputs) v.Dispose(); }
    }

    static double[][] RunAll(InferenceSession s, GradCase row, Dictionary<string, double[]> values, string[] outputs)
    {
        var inputs = Values(row, values);
        try
        {
            // Held in a variable until the run returns (RunOptionsLifetimeTests): Run passes on only the native handle, so an
            // unreferenced RunOptions can be finalized, its native memory freed, while the run still reads it.
            using var runOptions = new RunOptions();
            using var o = s.Run(runOptions, Names(row), inputs, outputs);
            return o.Select(v => row.Type == DataType.Double
                ? v.GetTensorDataAsSpan<double>().ToArray()
                : v.GetTensorDataAsSpan<float>().ToArray().Select(f => (double)f).ToArray()).ToArray();
        }
        finally { foreach (var v in inputs) v.Dispose(); }
    }
}
