using Neq.Onnx.Artifacts;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Artifacts.Exported;

/// <summary>Dropout drops in train.onnx (seeded, at its ratio) and is the identity in eval.onnx and infer.onnx.</summary>
public sealed class DropoutTests
{
    /// <summary>SmallNets.Mlp with a Dropout of <paramref name="ratio"/> after its hidden Relu, at <paramref name="opset"/>.</summary>
    static ModelProto WithDropout(long opset, float ratio)
    {
        var model = SmallNets.Mlp();
        var g = model.Graph;
        var relu = g.Node.Single(n => n.OpType == "Relu");
        var fc2 = g.Node.Single(n => n.Name == "fc2");
        var dropped = relu.Output[0] + "_dropped";
        var node = new NodeProto { OpType = "Dropout", Name = "dropout", Input = { relu.Output[0] }, Output = { dropped } };
        if (opset < 12) node.Attribute.Add(Attr.Float("ratio", ratio));
        else node.Input.Add(new GraphBuilder(g).AddInitializer(Tensors.FloatScalar("dropout.ratio", ratio)));
        g.Node.Insert(g.Node.IndexOf(fc2), node);
        fc2.Input[0] = dropped;
        model.OpsetImport[0].Version = opset;
        return model;
    }

    static Feed Batch() => Feed.Of(SmallNets.Uniform(new Random(4), 6 * 4, 1), 6, 4);

    [Theory]
    [InlineData(10L)]
    [InlineData(13L)]
    public void Infer_and_eval_are_the_model_without_dropout(long opset)
    {
        var model = WithDropout(opset, 0.5f);
        var set = TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions()));
        var feeds = new Dictionary<string, Feed> { ["input"] = Batch() };
        using var plain = new OrtRunner(SmallNets.Mlp());
        using var infer = new OrtRunner(set.Infer);
        Assert.Equal(plain.Run(feeds)["y"].Floats, infer.Run(feeds)["y"].Floats);
    }

    [Fact]
    public void Train_drops_units_reproducibly_and_still_learns()
    {
        var options = new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9));
        var set = TrainingArtifacts.Build(WithDropout(13, 0.5f), options);
        var data = new Dictionary<string, Feed> { ["input"] = Batch() };
        var labels = Feed.Of([0L, 1, 1, 0, 1, 0], 6);
        // lr 0: the parameters stay, so differing losses can only come from different masks.
        var still = StepLoop.Train(set, data, labels, steps: 4, lr: 0f).Losses;
        var noDropout = StepLoop.Train(TrainingArtifacts.Build(SmallNets.Mlp(), options), data, labels, steps: 1, lr: 0f).Losses[0];
        Assert.True(still.Distinct().Count() > 1, $"every step dropped the same units: {string.Join(", ", still)} (no dropout: {noDropout})");
        Assert.Contains(still, l => Math.Abs(l - noDropout) > 1e-4);
        // Built again, the same steps give the same losses (the seed is in the graph).
        Assert.Equal(still, StepLoop.Train(TrainingArtifacts.Build(WithDropout(13, 0.5f), options), data, labels, steps: 4, lr: 0f).Losses);

        var r = StepLoop.Train(TrainingArtifacts.Build(WithDropout(13, 0.2f), options), data, labels, steps: 30, lr: 0.1f);
        StepLoop.AssertFalls(r.Losses);
    }
}
