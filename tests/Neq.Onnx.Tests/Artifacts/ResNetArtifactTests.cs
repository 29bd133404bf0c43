using Neq.Onnx.Architectures;
using Neq.Onnx.Io;
using Neq.Onnx.Artifacts;
using Xunit.Abstractions;

namespace Neq.Onnx.Tests.Artifacts;

/// <summary>
/// The artifacts of ResNet-20 at batch 2: the whole training graph (train-mode BatchNormalization,
/// masks, option-A shortcuts, pooling, classifier, cross-entropy) against finite differences, and
/// deployment of a trained state.
/// </summary>
public sealed class ResNetArtifactTests(ITestOutputHelper log)
{
    // Tensors sampled (conv weights of every stage, BN γ and β, the classifier), two elements each.
    static readonly string[] Tensors =
    [
        "conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer1.2.bn2.bias", "layer2.0.conv1.weight",
        "layer2.0.bn1.weight", "layer2.2.conv2.weight", "layer3.0.conv2.weight", "layer3.2.bn2.weight", "linear.weight",
    ];

    /// <summary>A batch of 2 random images, labels, lr, the initial parameters and statistics, open masks, zero state.</summary>
    static Dictionary<string, Feed> Feeds(TrainingArtifactSet set, Random rng)
    {
        var m = set.Manifest;
        var inits = SmallNets.Initializers(set.Infer);
        var feeds = new Dictionary<string, Feed>(StringComparer.Ordinal)
        {
            [CifarResNet.InputName] = Feed.Of(SmallNets.Uniform(rng, 2 * 3 * 32 * 32, 2), 2, 3, 32, 32),
            [TrainingNames.Labels] = Feed.Of([3L, 7], 2),
            [TrainingNames.LearningRate] = Feed.Of([0.1f]),
        };
        foreach (var p in m.Parameters) feeds[p.Name] = Feed.Of(inits[p.Name], [.. p.Shape]);
        foreach (var r in m.RunningStatistics) feeds[r.Name] = Feed.Of(inits[r.Name], [.. r.Shape]);
        foreach (var s in m.OptimizerState) feeds[s.Name] = Feed.Of(new float[s.Shape.Aggregate(1L, (a, b) => a * b)], [.. s.Shape]);
        SmallNets.AddOpenMasks(feeds, m);
        return feeds;
    }

    [Fact]
    public void ResNet20_gradients_match_finite_differences_at_batch_2()
    {
        var model = CifarResNet.Build(new CifarResNetOptions(Depth: 20, Seed: 1));
        var set = TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions(), Split: true));
        var m = set.Manifest;
        var rng = new Random(20);
        var feeds = Feeds(set, rng);

        var sample = new List<(string, int)>();
        foreach (var name in Tensors)
        {
            var count = (int)m.Parameters.Single(p => p.Name == name).Shape.Aggregate(1L, (a, b) => a * b);
            sample.Add((name, rng.Next(count)));
            sample.Add((name, rng.Next(count)));
        }
        var results = FiniteDifferences.Compare(set.Grad!, feeds, sample, h: 1e-3);
        foreach (var r in results) log.WriteLine(r.ToString());

        // float32 limits both ends: the loss (≈ 2.3) moves in steps of 2.4e-7 and carries ~1e-6 of
        // rounding noise, i.e. ~5e-4 in a quotient over 2h = 2e-3; a larger h crosses ReLU kinks of
        // the first layers' 2×16×32×32 activations (at h = 1e-2, conv1 gradients were off by 4×,
        // converging to the analytic value as h shrank to 3e-4). With h = 1e-3 the sample's worst was
        // 4.4e-3 (4 %) on conv1. Tolerance: 2e-3 absolute + 5 % relative.
        foreach (var r in results)
            Assert.True(r.Error <= 2e-3 + 0.05 * Math.Abs(r.Numeric), r.ToString());
        // The sample is informative: most sampled gradients are far from 0.
        Assert.True(results.Count(r => Math.Abs(r.Numeric) > 1e-3) >= results.Count / 2, "Most sampled gradients are ≈ 0; the check says little.");
    }

    [Fact]
    public void ResNet20_infer_written_after_a_step_gives_evals_logits_in_a_plain_session()
    {
        var set = TrainingArtifacts.Build(CifarResNet.Build(new CifarResNetOptions(Depth: 20, Seed: 2)),
            new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9)));
        var m = set.Manifest;
        var feeds = Feeds(set, new Random(4));
        using var train = new OrtRunner(set.Train);
        var stepped = train.Run(feeds);
        var trained = m.Parameters.Select(p => (p.Name, p.Output)).Concat(m.RunningStatistics.Select(r => (r.Name, r.Output)))
            .ToDictionary(t => t.Name, t => stepped[t.Output].Floats, StringComparer.Ordinal);
        foreach (var (name, value) in trained) feeds[name] = feeds[name] with { Data = value };

        using var eval = new OrtRunner(set.Eval);
        var evalLogits = eval.Run(feeds, [m.Prediction])[m.Prediction].Floats;
        var infer = TrainingArtifacts.WithTrainedValues(set.Infer, trained);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(OnnxFile.Serialize(infer));
        using var x = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(feeds[CifarResNet.InputName].Floats, [2, 3, 32, 32]);
        // Held in a variable until the run returns (RunOptionsLifetimeTests): Run passes on only the native handle, so an
        // unreferenced RunOptions can be finalized, its native memory freed, while the run still reads it.
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var o = session.Run(runOptions, [CifarResNet.InputName], [x], [CifarResNet.OutputName]);
        var logits = o[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(20, logits.Length);
        for (int i = 0; i < logits.Length; i++)
            Assert.True(Math.Abs(logits[i] - evalLogits[i]) <= 1e-5, $"logit {i}: infer {logits[i]:G9}, eval {evalLogits[i]:G9}.");
    }
}
