using Neq.Onnx.Io;
using Neq.Onnx.Shapes;
using Neq.Onnx.Artifacts;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Artifacts;

/// <summary>
/// The artifacts of a small conv net (conv → bn → relu → pool → fc): one step of train.onnx (fused)
/// and of grad.onnx + update.onnx (split) against the update rule computed here from grad.onnx's
/// gradients; masked rows; running statistics; eval against infer; determinism; the manifest.
/// </summary>
public sealed class TrainingArtifactsTests
{
    const int Batch = 4;
    static readonly float[] ConvMask = [1, 0, 1, 1];
    static readonly float[] BnMask = [1, 1, 0, 1];

    public static TheoryData<string, OptimizerOptions> Rules() => new()
    {
        { "sgd momentum wd", new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-2) },
        { "sgd nesterov", new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.8, Nesterov: true, WeightDecay: 1e-2) },
        { "adam wd", new OptimizerOptions(OptimizerKind.Adam, WeightDecay: 1e-2) },
        { "adamw wd", new OptimizerOptions(OptimizerKind.AdamW, WeightDecay: 1e-1, Beta1: 0.85, Beta2: 0.99) },
    };

    /// <summary>Parameters from infer.onnx, random optimizer state, a batch, labels, masks and lr.</summary>
    static Dictionary<string, Feed> Feeds(TrainingArtifactSet set, int seed, float lr = 0.1f)
    {
        var rng = new Random(seed);
        var m = set.Manifest;
        var inits = SmallNets.Initializers(set.Infer);
        var feeds = new Dictionary<string, Feed>(StringComparer.Ordinal)
        {
            ["input"] = Feed.Of(SmallNets.Uniform(rng, Batch * 3 * 6 * 6, 1), Batch, 3, 6, 6),
            [TrainingNames.Labels] = Feed.Of([0L, 2, 1, 2], Batch),
            [TrainingNames.LearningRate] = Feed.Of([lr]),
            ["conv.mask"] = Feed.Of(ConvMask, 4),
            ["bn.mask"] = Feed.Of(BnMask, 4),
        };
        foreach (var p in m.Parameters) feeds[p.Name] = Feed.Of(inits[p.Name], [.. p.Shape]);
        foreach (var r in m.RunningStatistics) feeds[r.Name] = Feed.Of(inits[r.Name], [.. r.Shape]);
        foreach (var s in m.OptimizerState)
        {
            var n = s.Shape.Aggregate(1L, (a, b) => a * b);
            // Non-zero state (as after a few steps) so μ·buf, β1·m and β2·v are exercised, frozen rows included.
            float[] data = s.Name == TrainingNames.AdamStep ? [3f]
                : s.Name.EndsWith(".adam_v", StringComparison.Ordinal) ? SmallNets.Uniform(rng, n, 0.01).Select(Math.Abs).ToArray()
                : SmallNets.Uniform(rng, n, 0.1);
            feeds[s.Name] = Feed.Of(data, [.. s.Shape]);
        }
        return feeds;
    }

    static List<TrainableParameter> ParametersOf(ArtifactManifest m) =>
        m.Parameters.Select(p => new TrainableParameter(p.Name, TensorType.Of(DataType.Float, [.. p.Shape]), p.Mask, p.MaskAxis ?? 0)).ToList();

    [Theory]
    [MemberData(nameof(Rules))]
    public void One_step_equals_the_rule_applied_to_the_gradients(string name, OptimizerOptions options)
    {
        var set = TrainingArtifacts.Build(SmallNets.ConvNet(), new ArtifactOptions(options, Split: true));
        var m = set.Manifest;
        var feeds = Feeds(set, seed: 21);
        var masks = new Dictionary<string, float[]> { ["conv.mask"] = ConvMask, ["bn.mask"] = BnMask };

        using var grad = new OrtRunner(set.Grad!);
        var g = grad.Run(feeds);
        var grads = m.Parameters.ToDictionary(p => p.Name, p => g[p.Gradient].Floats);
        var state = feeds.Where(kv => kv.Value.Data is float[]).ToDictionary(kv => kv.Key, kv => kv.Value.Floats);
        var parameters = ParametersOf(m);
        var expected = new ReferenceOptimizer(options, parameters).Step(state, grads, masks, 0.1);

        // The masks gate the gradients themselves: a frozen row's gradient is exactly 0.
        foreach (var p in parameters.Where(p => p.Mask is not null))
            for (int i = 0; i < grads[p.Name].Length; i++)
                if (masks[p.Mask!][ReferenceOptimizer.Channel(p, i)] == 0)
                    Assert.True(grads[p.Name][i] == 0, $"[{name}] gradient of frozen {p.Name}[{i}] is {grads[p.Name][i]}.");

        using var update = new OrtRunner(set.Update!);
        var updateFeeds = new Dictionary<string, Feed>(feeds, StringComparer.Ordinal);
        foreach (var p in m.Parameters) updateFeeds[p.Gradient] = g[p.Gradient];
        var split = update.Run(updateFeeds).ToDictionary(kv => kv.Key, kv => kv.Value.Floats);
        ReferenceOptimizer.AssertClose(name + " (split)", expected, split, 1e-6);

        using var train = new OrtRunner(set.Train);
        var fusedAll = train.Run(feeds);
        var fused = fusedAll.Where(kv => kv.Value.Data is float[]).ToDictionary(kv => kv.Key, kv => kv.Value.Floats);
        ReferenceOptimizer.AssertClose(name + " (fused)", expected, fused, 1e-6);
        Assert.Equal(g[TrainingNames.Loss].Floats[0], fusedAll[TrainingNames.Loss].Floats[0], 6);
        Assert.Equal(g[TrainingNames.Correct].Longs[0], fusedAll[TrainingNames.Correct].Longs[0]);
        foreach (var r in m.RunningStatistics)
            Assert.Equal(g[r.Output].Floats, fused[r.Output]);

        foreach (var p in parameters.Where(p => p.Mask is not null))
        {
            var before = state[p.Name];
            var after = fused[TrainingNames.Output(p.Name)];
            for (int i = 0; i < before.Length; i++)
            {
                if (masks[p.Mask!][ReferenceOptimizer.Channel(p, i)] == 0)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(before[i]) == BitConverter.SingleToInt32Bits(after[i]),
                        $"[{name}] frozen {p.Name}[{i}] changed from {before[i]:G9} to {after[i]:G9}.");
                    foreach (var s in new[] { TrainingNames.Momentum(p.Name), TrainingNames.AdamFirstMoment(p.Name) })
                        if (fused.TryGetValue(TrainingNames.Output(s), out var buf))
                            Assert.True(buf[i] == 0, $"[{name}] {s}[{i}] of a frozen row is {buf[i]}, not 0.");
                }
                else Assert.True(before[i] != after[i], $"[{name}] trainable {p.Name}[{i}] did not move.");
            }
        }
        // The classifier has no mask and moves everywhere.
        Assert.All(state["fc.weight"].Zip(fused["fc.weight.out"]), t => Assert.NotEqual(t.First, t.Second));
    }

    [Fact]
    public void Running_statistics_follow_the_batch_statistics_of_the_conv_output()
    {
        var set = TrainingArtifacts.Build(SmallNets.ConvNet(), new ArtifactOptions(new OptimizerOptions(), Split: true));
        var feeds = Feeds(set, seed: 5);
        using var grad = new OrtRunner(set.Grad!);
        var g = grad.Run(feeds);
        // The conv output does not depend on BN's mode, so eval.onnx's conv activation is the BN input.
        using var eval = new OrtRunner(set.Eval);
        var conv = eval.Run(feeds)["conv.activation"].Floats;
        const int C = 4, Hw = 36;
        var mean0 = feeds["bn.running_mean"].Floats;
        var var0 = feeds["bn.running_var"].Floats;
        for (int c = 0; c < C; c++)
        {
            var xs = Enumerable.Range(0, Batch).SelectMany(n => Enumerable.Range(0, Hw).Select(k => (double)conv[(n * C + c) * Hw + k])).ToArray();
            double mean = xs.Average();
            double unbiased = xs.Sum(x => (x - mean) * (x - mean)) / (xs.Length - 1);
            // ONNX momentum 0.9 keeps 0.9 of the running value (PyTorch momentum 0.1); the variance is the unbiased one, as PyTorch.
            Assert.Equal(0.9 * mean0[c] + 0.1 * mean, g["bn.running_mean.out"].Floats[c], 5);
            Assert.Equal(0.9 * var0[c] + 0.1 * unbiased, g["bn.running_var.out"].Floats[c], 5);
        }
    }

    [Fact]
    public void Eval_and_an_infer_model_written_from_a_trained_state_give_the_same_logits()
    {
        var set = TrainingArtifacts.Build(SmallNets.ConvNet(), new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9)));
        var feeds = Feeds(set, seed: 9, lr: 0.5f);
        using var train = new OrtRunner(set.Train);
        var stepped = train.Run(feeds);
        var trained = set.Manifest.Parameters.Select(p => p.Name).Concat(set.Manifest.RunningStatistics.Select(r => r.Name))
            .ToDictionary(n => n, n => stepped[TrainingNames.Output(n)].Floats, StringComparer.Ordinal);
        Assert.NotEqual(feeds["conv.weight"].Floats, trained["conv.weight"]);

        var infer = TrainingArtifacts.WithTrainedValues(set.Infer, trained);
        var evalFeeds = new Dictionary<string, Feed>(feeds, StringComparer.Ordinal);
        foreach (var (n, v) in trained) evalFeeds[n] = evalFeeds[n] with { Data = v };
        using var eval = new OrtRunner(set.Eval);
        var e = eval.Run(evalFeeds);
        // infer.onnx in a plain session: no project code, parameters as initializers.
        using var plain = new Microsoft.ML.OnnxRuntime.InferenceSession(OnnxFile.Serialize(infer));
        using var x = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(feeds["input"].Floats, feeds["input"].Shape);
        // Held in a variable until the run returns (RunOptionsLifetimeTests): Run passes on only the native handle, so an
        // unreferenced RunOptions can be finalized, its native memory freed, while the run still reads it.
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var outputs = plain.Run(runOptions, ["input"], [x], ["logits"]);
        var logits = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var evalLogits = e["logits"].Floats;
        Assert.Equal(evalLogits.Length, logits.Length);
        for (int i = 0; i < logits.Length; i++)
            Assert.True(Math.Abs(logits[i] - evalLogits[i]) <= 1e-5, $"logit {i}: infer {logits[i]:G9}, eval {evalLogits[i]:G9}.");

        // eval's BN activation is inference-mode BN of its conv activation, with the trained statistics.
        var conv = e["conv.activation"].Floats;
        var bn = e["bn.activation"].Floats;
        for (int i = 0; i < bn.Length; i++)
        {
            int c = i / 36 % 4;
            var want = trained["bn.weight"][c] * (conv[i] - trained["bn.running_mean"][c]) / Math.Sqrt(trained["bn.running_var"][c] + 1e-5) + trained["bn.bias"][c];
            Assert.True(Math.Abs(bn[i] - want) <= 1e-5 * Math.Max(1, Math.Abs(want)), $"bn.activation[{i}] = {bn[i]:G9}, formula gives {want:G9}.");
        }
    }

    [Fact]
    public void The_gradients_of_grad_onnx_match_finite_differences_of_its_loss()
    {
        var set = TrainingArtifacts.Build(SmallNets.ConvNet(), new ArtifactOptions(new OptimizerOptions(), Split: true));
        var feeds = Feeds(set, seed: 13);
        SmallNets.AddOpenMasks(feeds, set.Manifest);
        var sample = set.Manifest.Parameters.SelectMany(p => new[] { (p.Name, 0), (p.Name, (int)p.Shape.Aggregate(1L, (a, b) => a * b) - 1) }).ToList();
        var results = FiniteDifferences.Compare(set.Grad!, feeds, sample, h: 1e-2);
        // float32 loss of a tiny net: noise ~1e-7 / 2e-2; tolerance 2e-3 absolute + 2 % relative.
        foreach (var r in results)
            Assert.True(r.Error <= 2e-3 + 0.02 * Math.Abs(r.Numeric), r.ToString());
    }

    [Fact]
    public void Mse_loss_trains_a_regression_output()
    {
        var set = TrainingArtifacts.Build(SmallNets.Mlp(), new ArtifactOptions(new OptimizerOptions(), LossKind.MeanSquaredError, Split: true));
        var m = set.Manifest;
        Assert.Equal("mse", m.Loss);
        Assert.Null(m.CorrectOutput);
        Assert.Equal((TrainingNames.Labels, "float"), (m.Labels.Name, m.Labels.ElemType));
        Assert.Equal([-1L, 2], m.Labels.Shape);
        Assert.Equal(["fc1.mask"], m.Masks.Select(k => k.Name));

        var rng = new Random(3);
        var inits = SmallNets.Initializers(set.Infer);
        var feeds = new Dictionary<string, Feed>(StringComparer.Ordinal)
        {
            ["input"] = Feed.Of(SmallNets.Uniform(rng, 3 * 4, 1), 3, 4),
            [TrainingNames.Labels] = Feed.Of(SmallNets.Uniform(rng, 3 * 2, 1), 3, 2),
            [TrainingNames.LearningRate] = Feed.Of([0.1f]),
        };
        foreach (var p in m.Parameters) feeds[p.Name] = Feed.Of(inits[p.Name], [.. p.Shape]);
        SmallNets.AddOpenMasks(feeds, m);

        // Without BatchNormalization the training forward is the inference forward: the loss is the
        // mean of (y − t)² over infer.onnx's output.
        using var infer = new OrtRunner(set.Infer);
        var y = infer.Run(feeds)["y"].Floats;
        var t = feeds[TrainingNames.Labels].Floats;
        var mse = y.Zip(t).Average(p => (double)(p.First - p.Second) * (p.First - p.Second));
        using var grad = new OrtRunner(set.Grad!);
        Assert.Equal(mse, grad.Run(feeds)[TrainingNames.Loss].Floats[0], 6);

        var sample = m.Parameters.SelectMany(p => Enumerable.Range(0, (int)p.Shape.Aggregate(1L, (a, b) => a * b)).Select(i => (p.Name, i))).ToList();
        foreach (var r in FiniteDifferences.Compare(set.Grad!, feeds, sample, h: 1e-2))
            Assert.True(r.Error <= 1e-3 + 0.01 * Math.Abs(r.Numeric), r.ToString());

        using var train = new OrtRunner(set.Train);
        var before = grad.Run(feeds)[TrainingNames.Loss].Floats[0];
        for (int step = 0; step < 20; step++)
        {
            var o = train.Run(feeds);
            foreach (var p in m.Parameters) feeds[p.Name] = o[p.Output];
        }
        Assert.True(grad.Run(feeds)[TrainingNames.Loss].Floats[0] < 0.8 * before, "20 SGD steps did not lower the MSE by 20 %.");
    }

    [Fact]
    public void Same_model_and_options_give_byte_identical_artifacts()
    {
        var options = new ArtifactOptions(new OptimizerOptions(OptimizerKind.Adam, WeightDecay: 1e-4), Split: true);
        var a = TrainingArtifacts.Build(SmallNets.ConvNet(), options);
        var b = TrainingArtifacts.Build(SmallNets.ConvNet(), options);
        foreach (var ((file, ma), (_, mb)) in a.Files().Zip(b.Files()))
            Assert.True(OnnxFile.Serialize(ma).AsSpan().SequenceEqual(OnnxFile.Serialize(mb)), $"{file} differs between two builds.");
        Assert.Equal(a.Manifest.ToJson(), b.Manifest.ToJson());
    }

    [Fact]
    public void The_manifest_names_every_input_output_parameter_mask_and_activation()
    {
        var set = TrainingArtifacts.Build(SmallNets.ConvNet(), new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9), Split: true));
        var m = set.Manifest;
        Assert.Equal(["conv.weight", "conv.bias", "bn.weight", "bn.bias", "fc.weight", "fc.bias"], m.Parameters.Select(p => p.Name));
        Assert.Equal(["bn.running_mean", "bn.running_var"], m.RunningStatistics.Select(r => r.Name));
        Assert.Equal(["conv.mask", "bn.mask"], m.Masks.Select(k => k.Name));
        Assert.Equal([new ManifestGate("conv.weight", 0), new ManifestGate("conv.bias", 0)], m.Masks[0].Parameters);
        Assert.Equal([new ManifestGate("bn.weight", 0), new ManifestGate("bn.bias", 0)], m.Masks[1].Parameters);
        Assert.Null(m.Parameters.Single(p => p.Name == "fc.weight").Mask);
        Assert.Equal(["conv.weight.momentum"], m.Parameters[0].State);
        Assert.Equal(["conv.activation", "bn.activation"], m.Activations.Select(a => a.Name));
        Assert.Equal(new long[] { -1, 4, 6, 6 }, m.Activations[0].Shape);

        // Every graph's signature in the manifest is the file's own, in order.
        foreach (var (file, model) in set.Files())
        {
            var g = m.Graphs.Single(x => x.File == file);
            Assert.Equal(model.Graph.Input.Select(v => v.Name), g.Inputs.Select(t => t.Name));
            Assert.Equal(model.Graph.Output.Select(v => v.Name), g.Outputs.Select(t => t.Name));
        }
        var train = m.Graphs.Single(x => x.Role == "train");
        Assert.Equal(["input", "labels", "lr", "conv.weight"], train.Inputs.Take(4).Select(t => t.Name));
        Assert.Equal(["loss", "correct", m.Prediction, "conv.weight.out"], train.Outputs.Take(4).Select(t => t.Name));
        Assert.Equal(("labels", "int64"), (train.Inputs[1].Name, train.Inputs[1].ElemType));
        Assert.Equal([-1L], train.Inputs[1].Shape);
        // Every carried input has its output.
        foreach (var c in m.Parameters.Select(p => (p.Name, p.Output)).Concat(m.OptimizerState.Concat(m.RunningStatistics).Select(s => (s.Name, s.Output))))
        {
            Assert.Contains(train.Inputs, t => t.Name == c.Name);
            Assert.Contains(train.Outputs, t => t.Name == c.Output);
        }

        var json = m.ToJson();
        Assert.Equal(json, ArtifactManifest.FromJson(json).ToJson());
        Assert.Contains("\"formatVersion\": 1", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_writes_every_file_and_the_manifest()
    {
        var dir = Directory.CreateTempSubdirectory("neq-artifacts-").FullName;
        try
        {
            var set = TrainingArtifacts.Build(SmallNets.ConvNet(), new ArtifactOptions(new OptimizerOptions(), Split: true));
            var written = set.Save(dir).Select(Path.GetFileName);
            Assert.Equal(["train.onnx", "eval.onnx", "infer.onnx", "grad.onnx", "update.onnx", "manifest.json"], written);
            var manifest = ArtifactManifest.FromJson(File.ReadAllText(Path.Combine(dir, "manifest.json")));
            Assert.Equal(set.Manifest.ToJson(), manifest.ToJson());
            Assert.Equal(OnnxFile.Serialize(set.Train), File.ReadAllBytes(Path.Combine(dir, "train.onnx")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
