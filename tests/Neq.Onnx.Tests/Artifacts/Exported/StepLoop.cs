using Neq.Onnx.Artifacts;

namespace Neq.Onnx.Tests.Artifacts.Exported;

/// <summary>
/// Runs train.onnx for a number of steps on one fixed batch, as a trainer does: parameters and
/// running statistics start from infer.onnx, optimizer state at zero, masks open, and every
/// carried value is fed back from the step's outputs. Every name comes from the manifest.
/// </summary>
static class StepLoop
{
    public sealed record Result(List<float> Losses, Dictionary<string, Feed> Final);

    /// <param name="set">The artifacts.</param>
    /// <param name="data">The data inputs by name.</param>
    /// <param name="labels">The labels (int64 class indices or float targets).</param>
    /// <param name="steps">How many steps.</param>
    /// <param name="lr">The learning rate.</param>
    public static Result Train(TrainingArtifactSet set, IReadOnlyDictionary<string, Feed> data, Feed labels, int steps, float lr)
    {
        var m = set.Manifest;
        var inits = SmallNets.Initializers(set.Infer);
        var feeds = new Dictionary<string, Feed>(data, StringComparer.Ordinal)
        {
            [m.Labels.Name] = labels,
            [m.LearningRate] = Feed.Of([lr]),
        };
        foreach (var p in m.Parameters) feeds[p.Name] = Feed.Of(inits[p.Name], [.. p.Shape]);
        foreach (var r in m.RunningStatistics) feeds[r.Name] = Feed.Of(inits[r.Name], [.. r.Shape]);
        foreach (var s in m.OptimizerState) feeds[s.Name] = Feed.Of(new float[s.Shape.Aggregate(1L, (a, b) => a * b)], [.. s.Shape]);
        SmallNets.AddOpenMasks(feeds, m);

        var carried = m.Parameters.Select(q => (q.Name, q.Output)).Concat(m.OptimizerState.Concat(m.RunningStatistics).Select(s => (s.Name, s.Output))).ToList();
        var outputs = new[] { m.LossOutput }.Concat(carried.Select(c => c.Output)).ToList();
        var losses = new List<float>();
        using var train = new OrtRunner(set.Train);
        for (int step = 0; step < steps; step++)
        {
            var r = train.Run(feeds, outputs);
            losses.Add(r[m.LossOutput].Floats[0]);
            foreach (var (name, output) in carried) feeds[name] = r[output];
        }
        return new Result(losses, feeds);
    }

    /// <summary>Asserts every loss is finite and the last is below the first.</summary>
    public static void AssertFalls(List<float> losses)
    {
        Assert.All(losses, l => Assert.True(float.IsFinite(l), $"loss {l} in {string.Join(", ", losses)}"));
        Assert.True(losses[^1] < 0.9 * losses[0], $"loss went from {losses[0]} to {losses[^1]} ({string.Join(", ", losses)})");
    }
}
