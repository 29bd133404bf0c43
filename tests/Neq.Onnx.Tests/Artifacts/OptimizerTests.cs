using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Io;
using Neq.Onnx.Shapes;
using Neq.Onnx.Artifacts;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Artifacts;

/// <summary>
/// The update graphs against the update rules computed here in float64, element by element, for
/// three steps with masks that change between steps (a row frozen, then thawed). Tolerance: 1e-6
/// relative to the largest magnitude in the tensor (float32 arithmetic over a handful of operations;
/// a moment like β1·m + (1 − β1)·g can cancel to far below its terms, so an element-wise relative
/// error would measure the cancellation, not the rule). Masked rows are compared bit for bit.
/// </summary>
public sealed class OptimizerTests
{
    // Parameters: a conv weight gated on axis 0, its bias, a dense weight gated on axis 1, an ungated bias.
    static readonly TrainableParameter[] Params =
    [
        new("conv.weight", TensorType.Of(DataType.Float, 4, 2, 3, 3), "conv.mask", 0),
        new("conv.bias", TensorType.Of(DataType.Float, 4), "conv.mask", 0),
        new("fc.weight", TensorType.Of(DataType.Float, 3, 5), "fc.mask", 1),
        new("fc.bias", TensorType.Of(DataType.Float, 3)),
    ];
    static readonly (string, int)[] Masks = [("conv.mask", 4), ("fc.mask", 5)];

    // Per step: the masks (conv row 1 frozen in steps 1–2 and thawed in step 3; conv row 3 always frozen).
    static readonly float[][] ConvMask = [[1, 0, 1, 0], [1, 0, 1, 0], [1, 1, 1, 0]];
    static readonly float[][] FcMask = [[1, 1, 0, 1, 1], [0, 1, 0, 1, 1], [1, 1, 0, 1, 1]];
    static readonly float[] Lr = [0.1f, 0.05f, 0.02f];

    public static TheoryData<string, OptimizerOptions> Rules() => new()
    {
        { "sgd", new OptimizerOptions(OptimizerKind.Sgd) },
        { "sgd momentum wd", new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-2) },
        { "sgd nesterov wd", new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, Nesterov: true, WeightDecay: 5e-2) },
        { "adam", new OptimizerOptions(OptimizerKind.Adam) },
        { "adam wd", new OptimizerOptions(OptimizerKind.Adam, WeightDecay: 1e-1, Beta1: 0.8, Beta2: 0.99, Epsilon: 1e-6) },
        { "adamw wd", new OptimizerOptions(OptimizerKind.AdamW, WeightDecay: 1e-1) },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Three_masked_steps_match_the_rule(string name, OptimizerOptions options)
    {
        var optimizer = options.Create();
        var model = OptimizerGraph.BuildUpdateModel(optimizer, Params, Masks);
        using var session = new InferenceSession(OnnxFile.Serialize(model));

        var rng = new Random(7);
        var state = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var p in Params) state[p.Name] = Fill(rng, Count(p), 1.0);
        foreach (var s in optimizer.State([.. Params.Select(p => new ParameterSlot(p.Name, p.Type, "", null))]))
            state[s.Name] = new float[(int)s.Type.KnownDims().Aggregate(1L, (a, b) => a * b)];
        var reference = new ReferenceOptimizer(options, Params);

        for (int step = 0; step < 3; step++)
        {
            var grads = Params.ToDictionary(p => p.Name, p => Fill(rng, Count(p), 0.5));
            var masks = new Dictionary<string, float[]> { ["conv.mask"] = ConvMask[step], ["fc.mask"] = FcMask[step] };
            var outputs = Run(session, model, state, grads, masks, Lr[step]);
            var expected = reference.Step(state, grads, masks, Lr[step]);

            ReferenceOptimizer.AssertClose(name + $" step {step + 1}", expected, outputs, 1e-6);
            foreach (var p in Params.Where(p => p.Mask is not null))
            {
                var before = state[p.Name];
                var after = outputs[TrainingNames.Output(p.Name)];
                var mask = masks[p.Mask!];
                for (int i = 0; i < before.Length; i++)
                {
                    bool frozen = mask[ReferenceOptimizer.Channel(p, i)] == 0;
                    if (frozen)
                    {
                        Assert.True(BitConverter.SingleToInt32Bits(before[i]) == BitConverter.SingleToInt32Bits(after[i]),
                            $"[{name}] step {step + 1}: frozen {p.Name}[{i}] changed from {before[i]:G9} to {after[i]:G9}.");
                        foreach (var s in new[] { TrainingNames.Momentum(p.Name), TrainingNames.AdamFirstMoment(p.Name) })
                            if (outputs.TryGetValue(TrainingNames.Output(s), out var buf))
                                Assert.True(buf[i] == 0, $"[{name}] step {step + 1}: {s}[{i}] of a frozen row is {buf[i]}, not 0.");
                    }
                    else Assert.True(before[i] != after[i], $"[{name}] step {step + 1}: trainable {p.Name}[{i}] did not move.");
                }
            }
            foreach (var key in state.Keys.ToArray()) state[key] = outputs[TrainingNames.Output(key)];
        }
    }

    [Fact]
    public void Invalid_constants_are_rejected_with_the_constant_named()
    {
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(() => new OptimizerOptions(OptimizerKind.Sgd, Nesterov: true).Create()).Message);
        Assert.Contains("beta1", Assert.Throws<ArgumentException>(() => new OptimizerOptions(OptimizerKind.Adam, Beta1: 1).Create()).Message);
        Assert.Contains("epsilon", Assert.Throws<ArgumentException>(() => new OptimizerOptions(OptimizerKind.AdamW, Epsilon: 0).Create()).Message);
        Assert.Contains("Weight decay", Assert.Throws<ArgumentException>(() => new OptimizerOptions(WeightDecay: -1).Create()).Message);
    }

    static int Count(TrainableParameter p) => (int)p.Type.KnownDims().Aggregate(1L, (a, b) => a * b);

    static float[] Fill(Random rng, int n, double scale) =>
        Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();

    static Dictionary<string, float[]> Run(InferenceSession session, Ir.ModelProto model, Dictionary<string, float[]> state,
        Dictionary<string, float[]> grads, Dictionary<string, float[]> masks, float lr)
    {
        var names = new List<string>();
        var values = new List<OrtValue>();
        foreach (var input in model.Graph.Input)
        {
            var dims = TensorType.FromValueInfo(input)!.KnownDims();
            float[] data = input.Name == TrainingNames.LearningRate ? [lr]
                : state.TryGetValue(input.Name, out var s) ? s
                : masks.TryGetValue(input.Name, out var m) ? m
                : grads[input.Name[..^"_grad".Length]];
            names.Add(input.Name);
            values.Add(OrtValue.CreateTensorValueFromMemory(data.ToArray(), dims));
        }
        var outNames = model.Graph.Output.Select(o => o.Name).ToArray();
        try
        {
            // Held in a variable until the run returns (RunOptionsLifetimeTests): Run passes on only the native handle, so an
            // unreferenced RunOptions can be finalized, its native memory freed, while the run still reads it.
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outNames);
            return outNames.Select((n, i) => (n, results[i].GetTensorDataAsSpan<float>().ToArray())).ToDictionary(t => t.n, t => t.Item2);
        }
        finally { foreach (var v in values) v.Dispose(); }
    }
}
