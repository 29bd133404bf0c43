using Neq.Onnx.Autodiff;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Neurons;
using Neq.Onnx.Operators;
using Neq.Onnx.Tests.Neurons;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;
using TensorType = Neq.Onnx.Shapes.TensorType;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// The gradient of ai.neq::MaskGate against finite differences. The gate is the identity in the
/// forward pass, so finite differences see the ungated gradient; the analytic one must equal it
/// times the mask of each element's channel: zero on masked channels, unchanged elsewhere.
/// loss = Σ (MaskGate(P, mask) ⊙ X) ⊙ R, with fixed random X and R (seeded), summed on the host.
/// </summary>
public sealed class MaskGradientTests
{
    /// <summary>A row: P's shape, the channel axis, P's element type, the opset, the tolerance.</summary>
    public sealed record Row(string Name, long[] Shape, int Axis, DataType Type, long Opset, double Tolerance)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Row> Rows() =>
    [
        new("conv weight [4,3,2,2] axis 0", [4, 3, 2, 2], 0, DataType.Double, 17, 1e-6),
        new("MatMul weight [5,4] axis 1", [5, 4], 1, DataType.Double, 13, 1e-6),
        new("bias [6] axis 0", [6], 0, DataType.Double, 9, 1e-6), // opset 9: the engine seeds a tensor loss with ConstantOfShape (opset ≥ 9)
        new("Add bias [1,3,1,1] axis 1", [1, 3, 1, 1], 1, DataType.Double, 11, 1e-6),
        new("dense bias [1,4] axis -1", [1, 4], -1, DataType.Double, 21, 1e-6),
        new("float32 conv weight [3,2,3] axis 0 (mask needs no Cast)", [3, 2, 3], 0, DataType.Float, 17, 2e-2),
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Gradient_is_finite_differences_times_the_mask(Row row)
    {
        var rng = new Random(4321);
        int rank = row.Shape.Length, axis = row.Axis < 0 ? row.Axis + rank : row.Axis;
        int count = (int)row.Shape.Aggregate(1L, (a, b) => a * b);
        int channels = (int)row.Shape[axis];
        var mask = Enumerable.Range(0, channels).Select(c => c % 2 == 0 ? 1f : 0f).ToArray(); // 1,0,1,0…
        double[] Draw() => Enumerable.Range(0, count).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var p = Draw();
        var x = Draw();
        var r = Draw();

        var b = new GraphBuilder("maskgate");
        b.AddInput("P", TensorType.Of(row.Type, row.Shape));
        b.Const("mask", Tensors.Float("mask", [channels], mask));
        b.Const("X", Typed("X", row.Type, row.Shape, x));
        b.Const("R", Typed("R", row.Type, row.Shape, r));
        var gated = MaskGate.Emit(b, "P", "mask", row.Axis, NeuronNames.Gated("P"), TensorType.Of(row.Type, row.Shape));
        var y = b.Op("Mul", [gated, "X"]);
        b.Op("Mul", [y, "R"], output: "loss"); // a tensor loss: the engine seeds it with ones, i.e. d Σ loss
        b.AddOutput("loss");
        var model = OnnxModel.Create(b.Graph, row.Opset);
        MaskGate.EnsureDefined(model);

        var grads = Backward.Append(model.Clone() is var withGrad ? withGrad : model, new GradientOptions("loss", ["P"]));
        withGrad.Graph.Output.Add(new ValueInfoProto { Name = grads["P"] ?? throw new Xunit.Sdk.XunitException("no gradient reached P") });
        var analytic = RunDouble(withGrad, row, p, grads["P"]!);

        double h = row.Type == DataType.Double ? 1e-6 : 1e-2;
        long inner = row.Shape.Skip(axis + 1).Aggregate(1L, (a, c) => a * c);
        for (int k = 0; k < count; k++)
        {
            var orig = p[k];
            p[k] = orig + h; var lp = RunDouble(model, row, p, "loss").Sum();
            p[k] = orig - h; var lm = RunDouble(model, row, p, "loss").Sum();
            p[k] = orig;
            double fd = (lp - lm) / (2 * h);
            int channel = (int)(k / inner % channels);
            double want = fd * mask[channel];
            if (mask[channel] == 0) Assert.True(analytic[k] == 0, $"[{row.Name}] element {k} (masked channel {channel}): gradient {analytic[k]}, expected exactly 0.");
            Assert.True(Math.Abs(analytic[k] - want) <= row.Tolerance * Math.Max(1, Math.Abs(want)),
                $"[{row.Name}] element {k} (channel {channel}, mask {mask[channel]}): analytic {analytic[k]:G9}, FD·mask {want:G9}.");
        }
    }

    static TensorProto Typed(string name, DataType type, long[] dims, double[] values) =>
        type == DataType.Double ? Tensors.Double(name, dims, values) : Tensors.Float(name, dims, values.Select(v => (float)v).ToArray());

    static double[] RunDouble(ModelProto model, Row row, double[] p, string output)
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Neq.Onnx.Io.OnnxFile.Serialize(model));
        using var input = row.Type == DataType.Double
            ? Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(p.ToArray(), row.Shape)
            : Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(p.Select(v => (float)v).ToArray(), row.Shape);
        // Held in a variable until the run returns (RunOptionsLifetimeTests): Run passes on only the native handle, so an
        // unreferenced RunOptions can be finalized, its native memory freed, while the run still reads it.
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var results = session.Run(runOptions, ["P"], [input], [output]);
        return row.Type == DataType.Double
            ? results[0].GetTensorDataAsSpan<double>().ToArray()
            : results[0].GetTensorDataAsSpan<float>().ToArray().Select(v => (double)v).ToArray();
    }
}
