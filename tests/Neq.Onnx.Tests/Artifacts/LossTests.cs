using Neq.Onnx.Autodiff;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using Neq.Onnx.Artifacts;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Artifacts;

/// <summary>
/// The loss graphs against their formulas computed here in float64: values, the gradient with
/// respect to the prediction (softmax − one-hot over N; 2(y − t)/count), and the correct count.
/// Tolerance 1e-6 (float32 over a few operations).
/// </summary>
public sealed class LossTests
{
    static ModelProto Graph(LossKind kind, long[] shape)
    {
        var b = new GraphBuilder("loss");
        var type = TensorType.Of(DataType.Float, shape);
        b.AddInput("y", type);
        b.AddInput("t", kind == LossKind.CrossEntropy ? TensorType.Of(DataType.Int64, shape[0]) : type);
        var e = new Emitter(b, OnnxModel.DefaultOpset, "loss");
        if (kind == LossKind.CrossEntropy)
        {
            Losses.SoftmaxCrossEntropy(e, "y", type, "t", "loss");
            Losses.CorrectCount(e, "y", "t", "correct");
        }
        else Losses.MeanSquaredError(e, "y", type, "t", "loss");
        var model = OnnxModel.Create(b.Graph);
        var grads = Backward.Append(model, new GradientOptions("loss", ["y"]));
        b.AddOutput("loss");
        if (kind == LossKind.CrossEntropy) b.AddOutput("correct");
        b.AddOutput(grads["y"]!);
        return model;
    }

    [Fact]
    public void Cross_entropy_loss_gradient_and_correct_count_match_the_formulas()
    {
        float[] logits = [2.0f, -1.0f, 0.5f, 0.1f, /**/ -0.3f, 0.2f, 0.9f, 3.0f, /**/ 1.0f, 1.0f, -2.0f, 0.0f];
        long[] labels = [0, 2, 1];
        var model = Graph(LossKind.CrossEntropy, [3, 4]);
        using var run = new OrtRunner(model);
        var o = run.Run(new Dictionary<string, Feed> { ["y"] = Feed.Of(logits, 3, 4), ["t"] = Feed.Of(labels, 3) });

        double loss = 0;
        var grad = new double[12];
        long correct = 0;
        for (int n = 0; n < 3; n++)
        {
            var row = logits.Skip(n * 4).Take(4).Select(v => (double)v).ToArray();
            var max = row.Max();
            var z = row.Sum(v => Math.Exp(v - max));
            loss += -(row[labels[n]] - max - Math.Log(z)) / 3;
            for (int k = 0; k < 4; k++) grad[n * 4 + k] = (Math.Exp(row[k] - max) / z - (k == labels[n] ? 1 : 0)) / 3;
            if (Array.IndexOf(row, max) == labels[n]) correct++; // ties go to the first maximum, as ArgMax
        }
        Assert.Equal(loss, o["loss"].Floats[0], 6);
        Assert.Equal(1, correct); // rows: argmax 0 = label 0; argmax 3 ≠ 2; argmax 0 (tie with 1) ≠ 1
        Assert.Equal(correct, o["correct"].Longs[0]);
        var g = o.Single(kv => kv.Key.EndsWith("_grad", StringComparison.Ordinal)).Value.Floats;
        for (int i = 0; i < 12; i++) Assert.Equal(grad[i], g[i], 6);
    }

    [Fact]
    public void Mean_squared_error_and_its_gradient_match_the_formulas()
    {
        float[] y = [0.5f, -1.0f, 2.0f, 0.25f, 0.0f, -0.75f];
        float[] t = [1.0f, -1.5f, 1.0f, 0.0f, 0.5f, 0.25f];
        var model = Graph(LossKind.MeanSquaredError, [2, 3]);
        using var run = new OrtRunner(model);
        var o = run.Run(new Dictionary<string, Feed> { ["y"] = Feed.Of(y, 2, 3), ["t"] = Feed.Of(t, 2, 3) });
        Assert.Equal(y.Zip(t).Average(p => (double)(p.First - p.Second) * (p.First - p.Second)), o["loss"].Floats[0], 6);
        var g = o.Single(kv => kv.Key.EndsWith("_grad", StringComparison.Ordinal)).Value.Floats;
        for (int i = 0; i < 6; i++) Assert.Equal(2.0 * (y[i] - t[i]) / 6, g[i], 6);
    }
}
