using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Autodiff;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// Activation, Softmax/LogSoftmax and Dropout rules (Rules/ActivationRules.cs) against central
/// finite differences: float64 (tolerance 1e-6) where ONNX Runtime has float64 kernels, else
/// float32 with the tolerance in the row.
/// </summary>
public sealed class ActivationGradientTests
{
    /// <summary>Uniform in [−4, 4]: reaches the saturated and linear parts of piecewise activations.</summary>
    static double Wide(Random r) => r.NextDouble() * 8 - 4;

    /// <summary>Uniform in [−5, 5].</summary>
    static double Wider(Random r) => r.NextDouble() * 10 - 5;

    /// <summary>Uniform in [−5, 5], at least 0.05 from every kink (the float32 step is 0.01).</summary>
    static Func<Random, double> AwayFrom(params double[] kinks) => r =>
    {
        while (true)
        {
            var v = Wider(r);
            if (kinks.All(k => Math.Abs(v - k) > 0.05)) return v;
        }
    };

    static string Double(GraphBuilder b, string name, params double[] v) => b.Const(name, Tensors.Double(name, [], v));

    static GradCase Unary(string name, string op, long[] shape, AttributeProto[]? attrs = null, DataType type = DataType.Double,
        double tolerance = 1e-6, long opset = 17, Func<Random, double>? sample = null) =>
        new(name, [("x", shape)], b => b.Op(op, ["x"], attrs, output: "y"), ["x"], type, tolerance, opset, Sample: sample);

    // ONNX Runtime's CPU build has float32-only kernels for LeakyRelu, PRelu, HardSigmoid,
    // HardSwish, Clip before 12, Elu, Selu, Softplus, Softsign, ThresholdedRelu and Erf; those rows
    // run in float32 (step 1e-2) with a tolerance of 2e-3: for these smooth or piecewise-smooth
    // functions the central difference is accurate to O(h²) ≈ 1e-4 plus float32 rounding.
    const DataType F32 = DataType.Float;
    const double F32Tol = 2e-3;

    public static TheoryData<GradCase> Rows() =>
    [
        new("Relu", [("x", [3, 4])], b => b.Op("Relu", ["x"], output: "y"), ["x"]),
        Unary("LeakyRelu default α", "LeakyRelu", [3, 4], type: F32, tolerance: F32Tol),
        Unary("LeakyRelu α=0.3 opset 8", "LeakyRelu", [3, 4], [Attr.Float("alpha", 0.3f)], F32, F32Tol, opset: 8),
        new("PRelu slope [3] on [2,3]", [("x", [2, 3]), ("s", [3])], b => b.Op("PRelu", ["x", "s"], output: "y"), ["x", "s"], F32, F32Tol),
        new("PRelu slope [3,1,1] on [2,3,2,2] opset 9", [("x", [2, 3, 2, 2]), ("s", [3, 1, 1])], b => b.Op("PRelu", ["x", "s"], output: "y"), ["x", "s"], F32, F32Tol, Opset: 9),
        Unary("Sigmoid", "Sigmoid", [3, 4], sample: Wide),
        Unary("Tanh", "Tanh", [3, 4], sample: Wide),
        Unary("Tanh opset 8", "Tanh", [3, 4], opset: 8, sample: Wide),
        Unary("HardSigmoid default", "HardSigmoid", [4, 5], type: F32, tolerance: F32Tol, sample: AwayFrom(-2.5, 2.5)),
        Unary("HardSigmoid α=0.5 β=0.1", "HardSigmoid", [4, 5], [Attr.Float("alpha", 0.5f), Attr.Float("beta", 0.1f)], F32, F32Tol,
            sample: AwayFrom(-0.2, 1.8)),
        Unary("HardSwish opset 14", "HardSwish", [4, 5], type: F32, tolerance: F32Tol, opset: 14, sample: AwayFrom(-3, 3)),

        // ---- Clip: attribute bounds before opset 11 (Clip-6), optional inputs after ----
        Unary("Clip opset 10 min/max attributes", "Clip", [3, 4], [Attr.Float("min", -0.5f), Attr.Float("max", 0.6f)], F32, F32Tol, opset: 10,
            sample: AwayFrom(-0.5, 0.6)),
        Unary("Clip opset 8 max only", "Clip", [3, 4], [Attr.Float("max", 0.4f)], F32, F32Tol, opset: 8, sample: AwayFrom(0.4)),
        Unary("Clip opset 11 no bounds", "Clip", [3, 4], type: F32, tolerance: F32Tol, opset: 11),
        // Bounds as inputs: lo = −|l| < 0 < hi = |h|, differentiated too (through Neg/Abs).
        new("Clip opset 13 min/max inputs", [("x", [3, 4]), ("l", []), ("h", [])],
            b => b.Op("Clip", ["x", b.Op("Neg", [b.Op("Abs", ["l"])]), b.Op("Abs", ["h"])], output: "y"), ["x", "l", "h"], Opset: 13),
        new("Clip opset 13 min omitted (\"\")", [("x", [3, 4])], b => b.Op("Clip", ["x", "", Double(b, "hi", 0.5)], output: "y"), ["x"], Opset: 13),
        new("Clip opset 12 min only", [("x", [3, 4])], b => b.Op("Clip", ["x", Double(b, "lo", -0.3)], output: "y"), ["x"], Opset: 12),

        Unary("Elu default", "Elu", [3, 4], type: F32, tolerance: F32Tol, sample: AwayFrom(0)),
        Unary("Elu α=0.5", "Elu", [3, 4], [Attr.Float("alpha", 0.5f)], F32, F32Tol, sample: AwayFrom(0)),
        Unary("Selu default", "Selu", [3, 4], type: F32, tolerance: F32Tol, sample: AwayFrom(0)),
        Unary("Selu α=1.5 γ=2", "Selu", [3, 4], [Attr.Float("alpha", 1.5f), Attr.Float("gamma", 2f)], F32, F32Tol, sample: AwayFrom(0)),
        Unary("Softplus", "Softplus", [3, 4], type: F32, tolerance: F32Tol, sample: Wide),
        Unary("Softsign", "Softsign", [3, 4], type: F32, tolerance: F32Tol, sample: AwayFrom(0)),
        Unary("ThresholdedRelu α=0.5 opset 10", "ThresholdedRelu", [3, 4], [Attr.Float("alpha", 0.5f)], F32, F32Tol, opset: 10, sample: AwayFrom(0.5)),
        Unary("Erf", "Erf", [3, 4], type: F32, tolerance: F32Tol, sample: Wide),
        Unary("Gelu none opset 20", "Gelu", [3, 4], type: F32, tolerance: F32Tol, opset: 20, sample: Wide),
        Unary("Gelu tanh opset 20", "Gelu", [3, 4], [Attr.String("approximate", "tanh")], F32, F32Tol, opset: 20, sample: Wide),

        // ---- Softmax / LogSoftmax: opset < 13 coerces to 2-D at axis (default 1), ≥ 13 one axis (default −1) ----
        Unary("Softmax opset 11 default axis (over axes 1,2)", "Softmax", [2, 3, 4], opset: 11, sample: Wide),
        Unary("Softmax opset 11 axis 2", "Softmax", [2, 3, 4], [Attr.Int("axis", 2)], opset: 11, sample: Wide),
        Unary("Softmax opset 8 axis −2", "Softmax", [2, 3, 4], [Attr.Int("axis", -2)], opset: 8, sample: Wide),
        Unary("Softmax opset 13 default axis −1", "Softmax", [2, 3, 4], opset: 13, sample: Wide),
        Unary("Softmax opset 13 axis 1", "Softmax", [2, 3, 4], [Attr.Int("axis", 1)], opset: 13, sample: Wide),
        Unary("LogSoftmax opset 11 default axis", "LogSoftmax", [2, 3, 4], opset: 11, sample: Wide),
        Unary("LogSoftmax opset 13 axis 0", "LogSoftmax", [2, 3, 4], [Attr.Int("axis", 0)], opset: 13, sample: Wide),
        Unary("LogSoftmax opset 13 default axis", "LogSoftmax", [3, 5], opset: 13, sample: Wide),

        // ---- Dropout in inference semantics: the identity ----
        Unary("Dropout opset 8 (ratio attribute)", "Dropout", [3, 4], [Attr.Float("ratio", 0.3f)], opset: 8),
        Unary("Dropout opset 13 no training_mode", "Dropout", [3, 4], opset: 13),
        new("Dropout opset 13 training_mode constant false", [("x", [3, 4])],
            b => b.OpN("Dropout", ["x", Double(b, "ratio", 0.4), b.Const("train", Bool("train", false))], ["y", "mask"]), ["x"], Opset: 13),
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);

    static TensorProto Bool(string name, bool value) =>
        new() { Name = name, DataType = (int)DataType.Bool, RawData = Google.Protobuf.ByteString.CopyFrom((byte)(value ? 1 : 0)) };

    /// <summary>
    /// Training-mode Dropout draws a new mask per run, so finite differences cannot see it. With
    /// loss = ΣY, dX must be mask/(1 − ratio) for the mask of the same run, and that run's Y must
    /// equal X·mask/(1 − ratio) (ONNX's definition, checked independently).
    /// </summary>
    [Fact]
    public void Dropout_training_mode_gradient_is_mask_over_keep_probability()
    {
        const double ratio = 0.25;
        var b = new GraphBuilder("dropout");
        b.AddInput("x", TensorType.Of(DataType.Double, 4, 5));
        b.OpN("Dropout", ["x", b.Const("ratio", Tensors.Double("ratio", [], [ratio])), b.Const("train", Bool("train", true))], ["y", "mask"]);
        b.Op("ReduceSum", ["y"], [Attr.Int("keepdims", 0)], output: "loss");
        foreach (var o in new[] { "loss", "y", "mask" }) b.AddOutput(o);
        var model = OnnxModel.Create(b.Graph, 13);
        var grads = Backward.Append(model, new GradientOptions("loss", ["x"]));
        model.Graph.Output.Add(new ValueInfoProto { Name = grads["x"] });

        var x = Enumerable.Range(0, 20).Select(i => 0.5 + i * 0.1).ToArray();
        using var session = new InferenceSession(OnnxFile.Serialize(model));
        using var input = OrtValue.CreateTensorValueFromMemory(x, [4, 5]);
        // Held in a variable until the run returns (RunOptionsLifetimeTests): Run passes on only the native handle, so an
        // unreferenced RunOptions can be finalized, its native memory freed, while the run still reads it.
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [input], ["y", "mask", grads["x"]!]);
        var y = outputs[0].GetTensorDataAsSpan<double>().ToArray();
        var mask = outputs[1].GetTensorDataAsSpan<bool>().ToArray();
        var dx = outputs[2].GetTensorDataAsSpan<double>().ToArray();
        Assert.Contains(true, mask);
        for (int i = 0; i < x.Length; i++)
        {
            double keep = mask[i] ? 1 / (1 - ratio) : 0;
            Assert.Equal(x[i] * keep, y[i], 12);
            Assert.Equal(keep, dx[i], 12);
        }
    }

    [Fact]
    public void Dropout_training_mode_without_mask_output_is_a_clear_error()
    {
        var b = new GraphBuilder("dropout");
        b.AddInput("x", TensorType.Of(DataType.Double, 4));
        b.Op("Dropout", ["x", "", b.Const("train", Bool("train", true))], output: "y", name: "drop1");
        b.Op("ReduceSum", ["y"], [Attr.Int("keepdims", 0)], output: "loss");
        var model = OnnxModel.Create(b.Graph, 13);
        var e = Assert.Throws<OnnxFormatException>(() => Backward.Append(model, new GradientOptions("loss", ["x"])));
        Assert.Contains("drop1", e.Message);
        Assert.Contains("mask", e.Message);
    }
}
