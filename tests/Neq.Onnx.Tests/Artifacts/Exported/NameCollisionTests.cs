using Neq.Onnx.Artifacts;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Tests.Artifacts.Exported;

/// <summary>
/// A model that already uses the artifacts' names (a Keras softmax output named <c>loss</c>, a
/// value named <c>labels</c>, an input named <c>lr</c>) keeps its names; the artifacts' own values
/// take fresh ones, which the manifest records.
/// </summary>
public sealed class NameCollisionTests
{
    /// <summary>SmallNets.Mlp with its output named <c>loss</c>, its hidden value <c>labels</c> and its input <c>lr</c>.</summary>
    static ModelProto Colliding()
    {
        var model = SmallNets.Mlp();
        var rename = new Dictionary<string, string> { ["y"] = "loss", ["input"] = "lr" };
        var hidden = model.Graph.Node.Single(n => n.OpType == "Relu").Output[0];
        rename[hidden] = "labels";
        foreach (var n in model.Graph.Node)
        {
            for (int i = 0; i < n.Input.Count; i++) n.Input[i] = rename.GetValueOrDefault(n.Input[i], n.Input[i]);
            for (int i = 0; i < n.Output.Count; i++) n.Output[i] = rename.GetValueOrDefault(n.Output[i], n.Output[i]);
        }
        foreach (var v in model.Graph.Input.Concat(model.Graph.Output)) v.Name = rename.GetValueOrDefault(v.Name, v.Name);
        return model;
    }

    static Feed Batch() => Feed.Of(SmallNets.Uniform(new Random(8), 6 * 4, 1), 6, 4);

    [Fact]
    public void The_artifacts_own_values_take_fresh_names_recorded_in_the_manifest()
    {
        var c = TrainingArtifacts.Compile(Colliding(), new ArtifactOptions(new OptimizerOptions(OptimizerKind.Adam)));
        var m = c.Artifacts.Manifest;
        Assert.Equal("loss_1", m.LossOutput);
        Assert.Equal("labels_1", m.Labels.Name);
        Assert.Equal("lr_1", m.LearningRate);
        Assert.Equal("loss", m.Prediction);
        Assert.Equal(["lr"], m.DataInputs.Select(d => d.Name));
        var train = c.Artifacts.Train.Graph;
        Assert.Equal(["lr", "labels_1", "lr_1"], train.Input.Take(3).Select(v => v.Name));
        Assert.Contains(train.Output, o => o.Name == "loss_1");
        Assert.Contains(train.Output, o => o.Name == "loss");
        // The specialised step has the general step's signature.
        var special = c.SpecializedTrain(c.Masks.Select(k => Enumerable.Repeat(1f, k.Channels).ToArray()).ToList());
        Assert.Equal(train.Input.Select(v => v.Name), special.Graph.Input.Select(v => v.Name));
        Assert.Equal(train.Output.Select(v => v.Name), special.Graph.Output.Select(v => v.Name));
    }

    [Fact]
    public void Infer_keeps_the_models_names_and_outputs()
    {
        var model = Colliding();
        var set = TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions()));
        Assert.Equal(["lr"], set.Infer.Graph.Input.Select(v => v.Name));
        Assert.Equal(["loss"], set.Infer.Graph.Output.Select(v => v.Name));
        using var original = new OrtRunner(model);
        using var infer = new OrtRunner(set.Infer);
        var feeds = new Dictionary<string, Feed> { ["lr"] = Batch() };
        Assert.Equal(original.Run(feeds)["loss"].Floats, infer.Run(feeds)["loss"].Floats);
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Adam)]
    public void A_model_using_the_artifacts_names_trains(OptimizerKind kind)
    {
        var set = TrainingArtifacts.Build(Colliding(), new ArtifactOptions(new OptimizerOptions(kind, Momentum: kind == OptimizerKind.Sgd ? 0.9 : 0), Split: true));
        var r = StepLoop.Train(set, new Dictionary<string, Feed> { ["lr"] = Batch() }, Feed.Of([0L, 1, 1, 0, 1, 0], 6), steps: 30, lr: 0.05f);
        StepLoop.AssertFalls(r.Losses);
        Assert.Contains(set.Grad!.Graph.Output, o => o.Name == set.Manifest.LossOutput);
        Assert.Contains(set.Update!.Graph.Input, i => i.Name == set.Manifest.LearningRate);
    }
}
