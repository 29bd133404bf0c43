using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Operators;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// BatchNormalization (inference and training mode) and ai.neq::BatchNormTraining: gradients
/// against finite differences in float64 (ONNX Runtime's CPU BatchNormalization, ReduceMean and
/// the rest of the function body have double kernels; tolerance 1e-6, h = 1e-6), and the
/// function's outputs against the PyTorch formulas computed here.
/// </summary>
public sealed class NormalizationGradientTests
{
    static readonly string[] BnInputs = ["x", "scale", "b", "mean", "var"];

    /// <summary>Positive inputs: the variance input must be, the rest do not care.</summary>
    static double Positive(Random r) => 0.2 + r.NextDouble();

    static (string, long[])[] Inputs(long[] x) => [("x", x), ("scale", [x[1]]), ("b", [x[1]]), ("mean", [x[1]]), ("var", [x[1]])];

    static GradCase Inference(string name, long[] x, long opset = 17) =>
        new($"BatchNormalization inference {name}", Inputs(x),
            b => b.Op("BatchNormalization", BnInputs, [Attr.Float("epsilon", 1e-3f)], output: "y"),
            BnInputs, Opset: opset, Sample: Positive);

    static GradCase Training(string name, long[] x, long opset = 15)
    {
        // Opset 14+: training_mode=1 with the running-statistics outputs; below: the five outputs.
        string[] outputs = opset >= 14 ? ["y", "running_mean", "running_var"] : ["y", "running_mean", "running_var", "saved_mean", "saved_var"];
        AttributeProto[] attrs = opset >= 14 ? [Attr.Int("training_mode", 1), Attr.Float("epsilon", 1e-3f)] : [Attr.Float("epsilon", 1e-3f)];
        return new($"BatchNormalization training {name} opset {opset}", Inputs(x),
            b => b.OpN("BatchNormalization", BnInputs, outputs, attrs),
            ["x", "scale", "b"], Opset: opset);
    }

    static GradCase Function(string name, long[] x, long opset = 17) =>
        new($"BatchNormTraining {name} opset {opset}", Inputs(x),
            b => b.Op("BatchNormalization", BnInputs, [Attr.Float("epsilon", 1e-3f)], output: "y"),
            ["x", "scale", "b"], Opset: opset,
            Finish: m => BatchNormTraining.Replace(m, m.Graph.Node.Single(n => n.OpType == "BatchNormalization")));

    public static TheoryData<GradCase> Rows() =>
    [
        Inference("[N,C,H,W]", [2, 3, 4, 3]),
        Inference("[N,C]", [4, 3]),
        Inference("[N,C,L]", [2, 3, 5]),
        Inference("opset 9", [2, 3, 2, 2], opset: 9),

        Training("[N,C,H,W]", [3, 2, 3, 4]),
        Training("[N,C]", [5, 3]),
        Training("[N,C,L]", [2, 3, 4]),
        Training("[N,C,H,W]", [2, 3, 3, 3], opset: 13),

        Function("[N,C,H,W]", [3, 2, 3, 4]),
        Function("[N,C]", [5, 3]),
        Function("[N,C,L]", [2, 3, 4]),
        Function("[N,C,H,W] (CastLike)", [2, 3, 2, 3], opset: 15),
        Function("[N,C,H,W] (Cast)", [2, 3, 2, 3], opset: 13),
        Function("[N,C,H,W] (baked constants)", [2, 3, 2, 3], opset: 11),
        Function("[N,C,H,W]", [2, 3, 2, 3], opset: 21),

        // Symbolic batch size.
        Inference("[N,C,H,W] every size unknown", [2, 3, 2, 2]) with { Shapes = RunTimeShapes.UnknownSizes },
        Training("[N,C,L] every size unknown", [3, 2, 3]) with { Shapes = RunTimeShapes.UnknownSizes },
        Function("[N,C] every size unknown", [4, 3]) with { Shapes = RunTimeShapes.UnknownSizes },
        Inference("[N,C,H,W] batch N", [2, 3, 2, 2]) with { Shapes = SymbolicBatch.Except("scale", "b", "mean", "var") },
        Training("[N,C,H,W] batch N", [3, 2, 2, 3]) with { Shapes = SymbolicBatch.Except("scale", "b", "mean", "var") },
        Function("[N,C,H,W] batch N", [3, 2, 2, 3]) with { Shapes = SymbolicBatch.Except("scale", "b", "mean", "var") },
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);

    /// <summary>
    /// Two BatchNormTraining nodes with different ε and momentum share one function: every output
    /// matches PyTorch's formulas, which also shows ONNX Runtime substitutes attribute references.
    /// </summary>
    [Theory]
    [InlineData(17, 4)]
    [InlineData(13, 4)]
    [InlineData(21, 2)]
    [InlineData(17, 3)]
    public void Outputs_follow_PyTorch_formulas(long opset, int rank)
    {
        long[] shape = rank switch { 2 => [6, 3], 3 => [2, 3, 5], _ => [2, 3, 4, 3] };
        var (eps1, mom1, eps2, mom2) = (1e-3f, 0.1f, 0.5f, 0.3f);
        var b = new GraphBuilder("bn");
        b.AddInput("x", TensorType.Of(DataType.Double, shape));
        foreach (var p in new[] { "scale", "b", "mean", "var" }) b.AddInput(p, TensorType.Of(DataType.Double, shape[1]));
        b.Op("BatchNormalization", BnInputs, [Attr.Float("epsilon", eps1)], output: "y1", name: "bn1");
        b.Op("BatchNormalization", ["y1", "scale", "b", "mean", "var"], [Attr.Float("epsilon", eps2), Attr.Float("momentum", 1 - mom2)], output: "y2", name: "bn2");
        var model = OnnxModel.Create(b.Graph, opset);
        var n1 = BatchNormTraining.Replace(model, model.Graph.Node[0], mom1);
        var n2 = BatchNormTraining.Replace(model, model.Graph.Node[1]); // momentum from ONNX's 1 − 0.3
        Assert.Single(model.Functions);
        string[] outputs = [.. n1.Output, .. n2.Output];
        foreach (var o in outputs) model.Graph.Output.Add(new ValueInfoProto { Name = o });

        var rng = new Random(7);
        var x = Enumerable.Range(0, (int)shape.Aggregate(1L, (p, q) => p * q)).Select(_ => rng.NextDouble() * 4 - 1).ToArray();
        double[] Vec(double lo) => Enumerable.Range(0, (int)shape[1]).Select(_ => lo + rng.NextDouble()).ToArray();
        var (scale, bias, mean, var) = (Vec(-0.5), Vec(-0.5), Vec(-0.5), Vec(0.2));

        using var session = new InferenceSession(OnnxFile.Serialize(model));
        var feeds = new[] { OrtValue.CreateTensorValueFromMemory(x, shape) }
            .Concat(new[] { scale, bias, mean, var }.Select(v => OrtValue.CreateTensorValueFromMemory(v, [shape[1]]))).ToArray();
        // Held in a variable until the run returns (RunOptionsLifetimeTests): Run passes on only the native handle, so an
        // unreferenced RunOptions can be finalized, its native memory freed, while the run still reads it.
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, BnInputs, feeds, outputs);
        var got = results.Select(r => r.GetTensorDataAsSpan<double>().ToArray()).ToArray();

        var first = Reference(x, shape, scale, bias, mean, var, eps1, mom1);
        var second = Reference(first[0], shape, scale, bias, mean, var, eps2, mom2);
        double[][] expected = [.. first, .. second];
        for (int k = 0; k < expected.Length; k++)
            for (int i = 0; i < expected[k].Length; i++)
                Assert.True(Math.Abs(got[k][i] - expected[k][i]) <= 1e-9 * Math.Max(1, Math.Abs(expected[k][i])),
                    $"output '{outputs[k]}'[{i}]: ONNX Runtime {got[k][i]:G17}, PyTorch formula {expected[k][i]:G17}");
    }

    /// <summary>
    /// PyTorch's training-mode BatchNorm, written out: Y, running mean, running variance
    /// (unbiased batch variance), saved mean, saved 1/√(σ² + ε).
    /// </summary>
    static double[][] Reference(double[] x, long[] shape, double[] scale, double[] bias, double[] mean, double[] var, float eps, float momentum)
    {
        int n = (int)shape[0], channels = (int)shape[1];
        int inner = (int)shape.Skip(2).Aggregate(1L, (p, q) => p * q);
        int count = n * inner;
        double At(int b, int c, int i) => x[(b * channels + c) * inner + i];
        var y = new double[x.Length];
        double[] rm = new double[channels], rv = new double[channels], sm = new double[channels], si = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int b = 0; b < n; b++) for (int i = 0; i < inner; i++) sum += At(b, c, i);
            double mu = sum / count, sq = 0;
            for (int b = 0; b < n; b++) for (int i = 0; i < inner; i++) sq += (At(b, c, i) - mu) * (At(b, c, i) - mu);
            double biased = sq / count, unbiased = sq / (count - 1), inv = 1 / Math.Sqrt(biased + eps);
            for (int b = 0; b < n; b++) for (int i = 0; i < inner; i++)
                y[(b * channels + c) * inner + i] = scale[c] * (At(b, c, i) - mu) * inv + bias[c];
            rm[c] = (1 - (double)momentum) * mean[c] + momentum * mu;
            rv[c] = (1 - (double)momentum) * var[c] + momentum * unbiased;
            sm[c] = mu;
            si[c] = inv;
        }
        return [y, rm, rv, sm, si];
    }

    [Fact]
    public void Below_opset_12_nodes_must_share_epsilon_and_momentum()
    {
        var b = new GraphBuilder("bn");
        b.AddInput("x", TensorType.Of(DataType.Float, 2, 3));
        foreach (var p in new[] { "scale", "b", "mean", "var" }) b.AddInput(p, TensorType.Of(DataType.Float, 3));
        b.Op("BatchNormalization", BnInputs, output: "y1", name: "bn1");
        b.Op("BatchNormalization", ["y1", "scale", "b", "mean", "var"], [Attr.Float("epsilon", 0.5f)], output: "y2", name: "bn2");
        var model = OnnxModel.Create(b.Graph, 11);
        BatchNormTraining.Replace(model, model.Graph.Node[0]);
        var e = Assert.Throws<OnnxFormatException>(() => BatchNormTraining.Replace(model, model.Graph.Node[1]));
        Assert.Contains("bn2", e.Message);
    }
}
