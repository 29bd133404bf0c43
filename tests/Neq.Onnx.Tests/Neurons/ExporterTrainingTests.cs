using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Artifacts;

namespace Neq.Onnx.Tests.Neurons;

/// <summary>
/// Artifacts for every exporter pattern train: train.onnx, fed its own outputs back as the next
/// step's parameters, state and running statistics, lowers an MSE loss towards fixed random
/// targets on a fixed batch (regression works for any output shape), with the masks open.
/// </summary>
public sealed class ExporterTrainingTests
{
    // Every pattern but the detector: its three heads (boxes, scores, class logits) have parameters
    // of their own, so no one output's loss trains them all (artifacts refuse untrainable parameters).
    public static TheoryData<string> Patterns() =>
        new(ExporterPatterns.All.Keys.Where(k => !k.StartsWith("detection", StringComparison.Ordinal)));

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Artifacts_of_an_exporter_pattern_train(string pattern)
    {
        var p = ExporterPatterns.Get(pattern);
        var model = p.Model.Clone();
        foreach (var input in model.Graph.Input) // train at a fixed size, as a trainer does
        {
            if (p.Feeds.All(f => f.Name != input.Name)) continue;
            input.Type.TensorType.Shape.Dim.Clear();
            foreach (var d in p.Feeds.Single(f => f.Name == input.Name).Shape)
                input.Type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        var set = TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.5), LossKind.MeanSquaredError));
        var m = set.Manifest;
        var train = m.Graphs.Single(g => g.Role == "train");

        var feeds = OrtRunner.Feeds(p.Feeds);
        // A fixed batch becomes symbolic in the artifacts (-1 in the manifest): the labels take the feeds' batch.
        long batch = p.Feeds[0].Shape[0];
        var labelShape = train.Inputs.Single(i => i.Name == m.Labels.Name).Shape.Select(d => d < 0 ? batch : d).ToArray();
        feeds[m.Labels.Name] = OrtRunner.Feeds([(m.Labels.Name, labelShape)], seed: 5)[m.Labels.Name];
        feeds[m.LearningRate] = ([], [0.01f]);
        var inits = set.Infer.Graph.Initializer.ToDictionary(t => t.Name);
        foreach (var q in m.Parameters) feeds[q.Name] = (q.Shape.ToArray(), inits[q.Name].ToFloatArray());
        foreach (var s in m.RunningStatistics) feeds[s.Name] = (s.Shape.ToArray(), inits[s.Name].ToFloatArray());
        foreach (var s in m.OptimizerState) feeds[s.Name] = (s.Shape.ToArray(), new float[s.Shape.Aggregate(1L, (a, b) => a * b)]);
        foreach (var k in m.Masks) feeds[k.Name] = ([k.Channels], Enumerable.Repeat(1f, k.Channels).ToArray());

        var carried = m.Parameters.Select(q => (q.Name, q.Output)).Concat(m.OptimizerState.Concat(m.RunningStatistics).Select(s => (s.Name, s.Output))).ToList();
        var outputs = new[] { m.LossOutput }.Concat(carried.Select(c => c.Output)).ToList();
        var losses = new List<float>();
        for (int step = 0; step < 12; step++)
        {
            var r = OrtRunner.Run(set.Train, feeds, outputs);
            losses.Add(r[m.LossOutput][0]);
            foreach (var (name, output) in carried) feeds[name] = (feeds[name].Shape, r[output]);
        }
        Assert.All(losses, l => Assert.True(float.IsFinite(l), $"{pattern}: loss {l}"));
        Assert.True(losses[^1] < losses[0], $"{pattern}: loss went from {losses[0]} to {losses[^1]} ({string.Join(", ", losses)})");
    }
}
