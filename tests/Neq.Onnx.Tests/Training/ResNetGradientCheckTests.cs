using Neq.Onnx.Architectures;
using Neq.Onnx.Training;
using Xunit.Abstractions;

namespace Neq.Onnx.Tests.Training;

/// <summary>
/// The whole training graph of ResNet-20 (train-mode BatchNormalization, masks, option-A shortcuts,
/// pooling, classifier, cross-entropy) at batch 2: grad.onnx's gradient of ~20 sampled parameters
/// against central differences of the same graph's loss.
/// </summary>
public sealed class ResNetGradientCheckTests(ITestOutputHelper log)
{
    // Tensors sampled (conv weights of every stage, BN γ and β, the classifier), two elements each.
    static readonly string[] Tensors =
    [
        "conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer1.2.bn2.bias", "layer2.0.conv1.weight",
        "layer2.0.bn1.weight", "layer2.2.conv2.weight", "layer3.0.conv2.weight", "layer3.2.bn2.weight", "linear.weight",
    ];

    [Fact]
    public void ResNet20_gradients_match_finite_differences_at_batch_2()
    {
        var model = CifarResNet.Build(new CifarResNetOptions(Depth: 20, Seed: 1));
        var set = TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions(), Split: true));
        var m = set.Manifest;
        var rng = new Random(20);
        var inits = SmallNets.Initializers(set.Infer);
        var feeds = new Dictionary<string, Feed>(StringComparer.Ordinal)
        {
            [CifarResNet.InputName] = Feed.Of(SmallNets.Uniform(rng, 2 * 3 * 32 * 32, 2), 2, 3, 32, 32),
            [TrainingNames.Labels] = Feed.Of([3L, 7], 2),
        };
        foreach (var p in m.Parameters) feeds[p.Name] = Feed.Of(inits[p.Name], [.. p.Shape]);
        foreach (var r in m.RunningStatistics) feeds[r.Name] = Feed.Of(inits[r.Name], [.. r.Shape]);

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
}
