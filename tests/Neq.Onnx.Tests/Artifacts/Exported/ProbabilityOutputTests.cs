using Neq.Onnx.Artifacts;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Artifacts.Exported;

/// <summary>
/// Models that output probabilities (a trailing Softmax or LogSoftmax, as Keras and tf2onnx export
/// classifiers) train with the cross-entropy of the logits before it; a one-column Sigmoid output
/// (a binary classifier) with the binary cross-entropy of its logit; a model with several float
/// outputs trains the one named.
/// </summary>
public sealed class ProbabilityOutputTests
{
    /// <summary>SmallNets.Mlp (4 → 5 → 2, output y) followed by <paramref name="op"/> → probs, at <paramref name="opset"/>.</summary>
    static ModelProto WithHead(string op, long opset, long? axis)
    {
        var model = SmallNets.Mlp();
        var g = model.Graph;
        g.Output.Clear();
        var node = new NodeProto { OpType = op, Name = "head", Input = { "y" }, Output = { "probs" } };
        if (axis is { } a) node.Attribute.Add(Attr.Int("axis", a));
        g.Node.Add(node);
        g.Output.Add(new TensorType(DataType.Float, [Dim.Sym("N"), 2]).ToValueInfo("probs"));
        model.OpsetImport.Clear();
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    public static TheoryData<string, long, long?> Heads() => new()
    {
        { "Softmax", 13, null },
        { "Softmax", 11, 1 },
        { "Softmax", 13, 1 },
        { "LogSoftmax", 13, -1 },
        { "LogSoftmax", 11, null },
    };

    static readonly long[] Labels = [0, 1, 1, 0, 1, 0];

    static Feed Batch() => Feed.Of(SmallNets.Uniform(new Random(21), 6 * 4, 1), 6, 4);

    [Theory]
    [MemberData(nameof(Heads))]
    public void The_loss_is_the_cross_entropy_of_the_probabilities_and_falls(string op, long opset, long? axis)
    {
        var model = WithHead(op, opset, axis);
        var set = TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9)));
        Assert.Equal("probs", set.Manifest.Prediction);

        // The model's own output, from the original in ONNX Runtime, gives the expected first loss.
        using var original = new OrtRunner(model);
        var feeds = new Dictionary<string, Feed> { ["input"] = Batch() };
        var probs = original.Run(feeds)["probs"].Floats;
        using var infer = new OrtRunner(set.Infer);
        Assert.Equal(probs, infer.Run(feeds)["probs"].Floats);
        double expected = -Enumerable.Range(0, 6).Average(n =>
        {
            double p = probs[n * 2 + Labels[n]];
            return op == "Softmax" ? Math.Log(p) : p;
        });

        var r = StepLoop.Train(set, feeds, Feed.Of(Labels, 6), steps: 30, lr: 0.1f);
        Assert.Equal(expected, r.Losses[0], 5);
        StepLoop.AssertFalls(r.Losses);
    }

    [Fact]
    public void A_softmax_over_the_batch_axis_is_not_taken_for_class_probabilities()
    {
        var model = WithHead("Softmax", 13, 0);
        var set = TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions()));
        using var original = new OrtRunner(model);
        var feeds = new Dictionary<string, Feed> { ["input"] = Batch() };
        var probs = original.Run(feeds)["probs"].Floats;
        // Trained as logits: the loss is the cross-entropy of softmax(probs) over the classes.
        double expected = -Enumerable.Range(0, 6).Average(n =>
        {
            double a = probs[n * 2], b = probs[n * 2 + 1], max = Math.Max(a, b);
            return probs[n * 2 + Labels[n]] - max - Math.Log(Math.Exp(a - max) + Math.Exp(b - max));
        });
        var r = StepLoop.Train(set, feeds, Feed.Of(Labels, 6), steps: 1, lr: 0.1f);
        Assert.Equal(expected, r.Losses[0], 5);
    }

    /// <summary>SmallNets.Mlp with its hidden activation as a second float output.</summary>
    static ModelProto TwoOutputs()
    {
        var model = SmallNets.Mlp();
        var hidden = model.Graph.Node.Single(n => n.OpType == "Relu").Output[0];
        model.Graph.Output.Insert(0, new TensorType(DataType.Float, [Dim.Sym("N"), 5]).ToValueInfo(hidden));
        return model;
    }

    [Fact]
    public void Several_float_outputs_and_no_choice_is_one_error_listing_them()
    {
        var model = TwoOutputs();
        var e = Assert.Throws<OnnxFormatException>(() => TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions())));
        foreach (var o in model.Graph.Output) Assert.Contains(o.Name, e.Message);
    }

    [Fact]
    public void The_named_output_is_trained_and_infer_keeps_both()
    {
        var model = TwoOutputs();
        var set = TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9), Prediction: "y"));
        Assert.Equal("y", set.Manifest.Prediction);
        Assert.Equal(model.Graph.Output.Select(o => o.Name), set.Infer.Graph.Output.Select(o => o.Name));
        var r = StepLoop.Train(set, new Dictionary<string, Feed> { ["input"] = Batch() }, Feed.Of(Labels, 6), steps: 30, lr: 0.1f);
        StepLoop.AssertFalls(r.Losses);
    }

    /// <summary>SmallNets.Mlp cut to one output column (logit y [N,1]), with a trailing Sigmoid → prob when <paramref name="sigmoid"/>.</summary>
    static ModelProto Binary(bool sigmoid)
    {
        var model = SmallNets.Mlp();
        var g = model.Graph;
        foreach (var (name, dims) in new[] { ("fc2.weight", new long[] { 1, 5 }), ("fc2.bias", new long[] { 1 }) })
        {
            int k = g.Initializer.ToList().FindIndex(t => t.Name == name);
            var values = g.Initializer[k].ToFloatArray().Take((int)dims.Aggregate(1L, (a, b) => a * b)).ToArray();
            g.Initializer[k] = Tensors.Float(name, dims, values);
        }
        g.Output.Clear();
        if (!sigmoid)
        {
            g.Output.Add(new TensorType(DataType.Float, [Dim.Sym("N"), 1]).ToValueInfo("y"));
            return model;
        }
        g.Node.Add(new NodeProto { OpType = "Sigmoid", Name = "head", Input = { "y" }, Output = { "prob" } });
        g.Output.Add(new TensorType(DataType.Float, [Dim.Sym("N"), 1]).ToValueInfo("prob"));
        return model;
    }

    [Fact]
    public void A_sigmoid_output_of_one_column_trains_with_the_binary_cross_entropy_of_its_logit()
    {
        var model = Binary(sigmoid: true);
        var set = TrainingArtifacts.Build(model, new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9)));
        Assert.Equal("bce", set.Manifest.Loss);
        Assert.Equal("prob", set.Manifest.Prediction);
        Assert.Equal([-1L], set.Manifest.Labels.Shape);

        // The logit from the model cut before its Sigmoid (ONNX Runtime), the loss by the textbook
        // formula −y·log σ(z) − (1−y)·log(1 − σ(z)) in float64.
        var feeds = new Dictionary<string, Feed> { ["input"] = Batch() };
        using var logits = new OrtRunner(Binary(sigmoid: false));
        var z = logits.Run(feeds)["y"].Floats;
        double expected = Enumerable.Range(0, 6).Average(n =>
        {
            double p = 1 / (1 + Math.Exp(-z[n]));
            return Labels[n] == 1 ? -Math.Log(p) : -Math.Log(1 - p);
        });
        long correct = Enumerable.Range(0, 6).Count(n => (z[n] > 0 ? 1 : 0) == Labels[n]);

        using var train = new OrtRunner(set.Train);
        var first = StepLoop.Train(set, feeds, Feed.Of(Labels, 6), steps: 0, lr: 0.1f).Final;
        Assert.Equal(correct, train.Run(first, [set.Manifest.CorrectOutput!])[set.Manifest.CorrectOutput!].Longs[0]);
        var r = StepLoop.Train(set, feeds, Feed.Of(Labels, 6), steps: 30, lr: 0.5f);
        Assert.Equal(expected, r.Losses[0], 5);
        StepLoop.AssertFalls(r.Losses);
    }

    [Fact]
    public void A_one_column_output_without_a_sigmoid_is_one_error_naming_it()
    {
        var e = Assert.Throws<OnnxFormatException>(() => TrainingArtifacts.Build(Binary(sigmoid: false), new ArtifactOptions(new OptimizerOptions())));
        Assert.Contains("'y'", e.Message);
        Assert.Contains("Sigmoid", e.Message);
    }
}
