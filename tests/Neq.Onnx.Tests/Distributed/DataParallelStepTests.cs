using Neq.Onnx.Artifacts;
using Neq.Onnx.Distributed;
using Neq.Onnx.Tests.Artifacts;
using Neq.Onnx.Tests.Training;

namespace Neq.Onnx.Tests.Distributed;

/// <summary>
/// <see cref="DataParallelStep"/> in one process (no MPI needed): grad.onnx + update.onnx steps
/// against the fused train.onnx run directly in ONNX Runtime (an independent path through the same
/// math), and its checks of bad input. The multi-rank behaviour is in <see cref="DataParallelMpiTests"/>.
/// </summary>
public sealed class DataParallelStepTests
{
    static ArtifactCompilation Artifacts(bool split = true) => TrainingArtifacts.Compile(TinyClassifier.Model(),
        new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4), Split: split));

    static (float[] Images, long[] Labels) Batch(int seed, int n)
    {
        var rng = new Random(seed);
        return (SmallNets.Uniform(rng, n * 3 * 32 * 32, 1.5), Enumerable.Range(0, n).Select(_ => (long)rng.Next(10)).ToArray());
    }

    [Fact]
    public void One_rank_steps_equal_the_fused_train_graph_with_masks_and_batch_norm()
    {
        var artifacts = Artifacts();
        var m = artifacts.Artifacts.Manifest;
        // Freeze channels 1 and 4 of every masked layer: the masks reach grad.onnx and update.onnx alike.
        var masks = m.Masks.ToDictionary(k => k.Name, k => Enumerable.Range(0, k.Channels).Select(c => c is 1 or 4 ? 0f : 1f).ToArray());
        using var step = new DataParallelStep(artifacts, new SingleProcessCommunicator(), new DataParallelStepOptions(Threads: 1));
        var reference = step.ReadValues().ToDictionary(kv => kv.Key, kv => kv.Value);
        using var train = new OrtRunner(artifacts.Artifacts.Train);
        for (int s = 0; s < 3; s++)
        {
            var (images, labels) = Batch(s, 6 - s); // 6, 5, 4 images
            var result = step.Step(images, labels, 0.05f, masks);

            var feeds = new Dictionary<string, Feed>(StringComparer.Ordinal)
            {
                [m.DataInputs[0].Name] = Feed.Of(images, labels.Length, 3, 32, 32),
                [m.Labels.Name] = Feed.Of(labels, labels.Length),
                [m.LearningRate] = Feed.Of([0.05f]),
            };
            foreach (var (name, value) in reference) feeds[name] = Feed.Of(value, Shape(m, name));
            foreach (var (name, value) in masks) feeds[name] = Feed.Of(value, value.Length);
            var outputs = train.Run(feeds);
            foreach (var c in m.Parameters.Select(p => (p.Name, p.Output)).Concat(m.OptimizerState.Concat(m.RunningStatistics).Select(t => (t.Name, t.Output))))
                reference[c.Name] = outputs[c.Output].Floats;

            Assert.Equal(labels.Length, result.Count);
            Assert.Equal(outputs[m.CorrectOutput!].Longs[0], result.Correct);
            Assert.Equal(outputs[m.LossOutput].Floats[0], result.Loss, 1e-5f);
            Assert.Equal(labels.Length * 10, step.LocalPrediction.Length);
        }
        var actual = step.ReadValues();
        foreach (var (name, expected) in reference)
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(actual[name][i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"{name}[{i}]: split {actual[name][i]}, fused {expected[i]}");
        // Frozen rows did not move (bit for bit), trainable ones did.
        var start = SmallNets.Initializers(artifacts.Artifacts.Infer);
        Assert.Equal(start["conv1.weight"].AsSpan(48, 48).ToArray(), actual["conv1.weight"].AsSpan(48, 48).ToArray());
        Assert.NotEqual(start["conv1.weight"].AsSpan(0, 48).ToArray(), actual["conv1.weight"].AsSpan(0, 48).ToArray());
    }

    static long[] Shape(ArtifactManifest m, string name) =>
        [.. m.Parameters.Where(p => p.Name == name).Select(p => p.Shape).Concat(m.OptimizerState.Concat(m.RunningStatistics).Where(t => t.Name == name).Select(t => t.Shape)).First()];

    [Fact]
    public void Checksum_follows_the_parameters_and_one_rank_always_verifies()
    {
        using var step = new DataParallelStep(Artifacts(), new SingleProcessCommunicator(), new DataParallelStepOptions(1));
        var before = step.ParameterChecksum();
        var values = step.ReadValues();
        var (images, labels) = Batch(1, 4);
        step.Step(images, labels, 0.1f);
        Assert.NotEqual(before, step.ParameterChecksum());
        step.VerifyIdenticalParameters();
        step.AverageRunningStatistics(); // one rank: its own statistics
        step.SetValues(values);
        Assert.Equal(before, step.ParameterChecksum());
    }

    [Fact]
    public void Artifacts_without_grad_and_update_are_rejected_naming_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => new DataParallelStep(Artifacts(split: false), new SingleProcessCommunicator(), new DataParallelStepOptions()));
        Assert.Contains("--split", e.Message);
    }

    [Fact]
    public void Bad_steps_are_rejected_naming_what_is_wrong()
    {
        using var step = new DataParallelStep(Artifacts(), new SingleProcessCommunicator(), new DataParallelStepOptions(1));
        var (images, labels) = Batch(2, 3);
        Assert.Contains("'nope.mask'", Assert.Throws<ArgumentException>(() => step.Step(images, labels, 0.1f, new Dictionary<string, float[]> { ["nope.mask"] = [1f] })).Message);
        Assert.Contains("'bn1.mask' has 2 values", Assert.Throws<ArgumentException>(() => step.Step(images, labels, 0.1f, new Dictionary<string, float[]> { ["bn1.mask"] = [1f, 1f] })).Message);
        Assert.Contains("3072 floats", Assert.Throws<ArgumentException>(() => step.Step(images.AsMemory(1), labels, 0.1f)).Message);
        Assert.Contains("no rank had an image", Assert.Throws<InvalidOperationException>(() => step.Step(Memory<float>.Empty, Memory<long>.Empty, 0.1f)).Message);
    }

    [Fact]
    public void A_grad_graph_specialised_to_the_masks_takes_the_general_step()
    {
        var artifacts = Artifacts();
        // conv1 keeps channels 0 and 5 (a quarter: rows gathered), conv2 is wholly frozen (no gradient nodes).
        var masks = artifacts.Artifacts.Manifest.Masks.ToDictionary(k => k.Name, k => Enumerable.Range(0, k.Channels)
            .Select(c => k.Layer == "conv2" ? 0f : k.Layer == "conv1" ? (c is 0 or 5 ? 1f : 0f) : 1f).ToArray());
        using var general = new DataParallelStep(artifacts, new SingleProcessCommunicator(), new DataParallelStepOptions(1));
        using var specialised = new DataParallelStep(artifacts, new SingleProcessCommunicator(), new DataParallelStepOptions(1));
        specialised.SpecializeTo(masks);
        for (int s = 0; s < 2; s++)
        {
            var (images, labels) = Batch(10 + s, 5);
            var (a, b) = (general.Step(images, labels, 0.05f, masks), specialised.Step(images, labels, 0.05f, masks));
            Assert.Equal(a.Correct, b.Correct);
            Assert.Equal(a.Loss, b.Loss, 1e-5f);
        }
        var (expected, actual) = (general.ReadValues(), specialised.ReadValues());
        foreach (var (name, e) in expected)
            for (int i = 0; i < e.Length; i++)
                Assert.True(Math.Abs(actual[name][i] - e[i]) <= 1e-5 * (1 + Math.Abs(e[i])), $"{name}[{i}]: specialised {actual[name][i]}, general {e[i]}");
        specialised.SpecializeTo(null); // back to the general graph
        var (x, y) = Batch(20, 3);
        Assert.Equal(general.Step(x, y, 0.05f, masks).Correct, specialised.Step(x, y, 0.05f, masks).Correct);
    }
}
