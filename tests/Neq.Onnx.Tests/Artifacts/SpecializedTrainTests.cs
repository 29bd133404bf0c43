using Neq.Onnx.Architectures;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Neurons;
using Neq.Onnx.Shapes;
using Neq.Onnx.Artifacts;

namespace Neq.Onnx.Tests.Artifacts;

/// <summary>
/// train.onnx specialised to known masks (<see cref="ArtifactCompilation.SpecializedTrain"/>)
/// against the general train.onnx fed the same masks, on ResNet-8 (stem, one block per stage) at
/// batch 4 with masks that freeze the stem and the first stage entirely (a frozen prefix), part of
/// the second and third stages' layers, one whole later conv, and leave one conv fully trainable.
/// Two steps from the same state must give the same loss, parameters, optimizer state and running
/// statistics within 1e-5 of each tensor's largest magnitude (float32 sums over fewer rows may round
/// differently), and the specialised graph must leave out the frozen work.
/// </summary>
public sealed class SpecializedTrainTests
{
    const int Batch = 4;
    static readonly ModelProto Forward = CifarResNet.Build(new CifarResNetOptions(Depth: 8));
    static readonly string[] PrefixNodes = ["conv1", "bn1", "relu"];
    const string PrefixStage = "layer1.";
    const string PartialConv = "layer2.0.conv1", FullyFrozenConv = "layer3.0.conv2", TrainableConv = "layer2.0.conv2";

    /// <summary>
    /// Per mask: the stem and layer1 all 0; layer2.0.conv1 and layer3.0.conv1 with every second or
    /// third channel trainable; their BNs half frozen; layer3.0.conv2 all 0; layer2.0.conv2 all 1.
    /// </summary>
    static Dictionary<string, float[]> Masks(ArtifactManifest m)
    {
        var masks = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var k in m.Masks)
        {
            Func<int, bool> trains = k.Layer switch
            {
                "conv1" or "bn1" => _ => false,
                _ when k.Layer.StartsWith(PrefixStage, StringComparison.Ordinal) => _ => false,
                PartialConv => c => c % 2 == 0,
                "layer3.0.conv1" => c => c % 3 == 1,
                "layer2.0.bn1" or "layer3.0.bn1" => c => c < k.Channels / 2,
                FullyFrozenConv => _ => false,
                _ => _ => true,
            };
            masks[k.Name] = Enumerable.Range(0, k.Channels).Select(c => trains(c) ? 1f : 0f).ToArray();
        }
        return masks;
    }

    public static TheoryData<string, OptimizerOptions> Optimizers() => new()
    {
        { "sgd momentum wd", new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-2) },
        { "adam wd", new OptimizerOptions(OptimizerKind.Adam, WeightDecay: 1e-2) },
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Two_specialised_steps_equal_two_masked_general_steps(string name, OptimizerOptions optimizer)
    {
        var options = new ArtifactOptions(optimizer);
        var set = TrainingArtifacts.Build(Forward, options);
        var masks = Masks(set.Manifest);
        AssertSameSteps(name, set, Specialized(Forward, options, masks), masks,
            rng => (Feed.Of(SmallNets.Uniform(rng, Batch * 3 * 32 * 32, 1.0), Batch, 3, 32, 32), 10));
    }

    /// <summary>
    /// A dense net of Gemms: fc1 (transB, weight [out, in], gated on axis 0), fc2 (weight [in, out],
    /// gated on axis 1), then the classifier fc3; both hidden layers partly frozen.
    /// </summary>
    [Fact]
    public void Gemm_weights_gated_on_either_axis_compute_only_their_trainable_rows()
    {
        var rng = new Random(5);
        var b = new GraphBuilder("mlp");
        string Param(string n, long[] dims) => b.AddInitializer(Tensors.Float(n, dims, SmallNets.Uniform(rng, dims.Aggregate(1L, (x, y) => x * y), 0.5)));
        var x = b.AddInput("input", new TensorType(TensorProto.Types.DataType.Float, [Dim.Sym("N"), 4]));
        var h = b.Op("Relu", [b.Op("Gemm", [x, Param("fc1.weight", [6, 4]), Param("fc1.bias", [6])], [Attr.Int("transB", 1)], name: "fc1")], name: "relu1");
        h = b.Op("Relu", [b.Op("Gemm", [h, Param("fc2.weight", [6, 5]), Param("fc2.bias", [5])], name: "fc2")], name: "relu2");
        b.Op("Gemm", [h, Param("fc3.weight", [3, 5]), Param("fc3.bias", [3])], [Attr.Int("transB", 1)], output: "logits", name: "fc3");
        b.AddOutput("logits", new TensorType(TensorProto.Types.DataType.Float, [Dim.Sym("N"), 3]));
        var forward = OnnxModel.Create(b.Graph);

        var options = new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-2));
        var set = TrainingArtifacts.Build(forward, options);
        // fc1 and fc2 train at most half their channels (rows computed: KnownMasks.MaxActiveShare);
        // fc2 with 4 of 5 trainable keeps the full gradient, masked.
        foreach (var (fc1, fc2, subsets) in new (float[], float[], bool)[] { ([1, 0, 0, 1, 0, 1], [0, 1, 0, 0, 1], true), ([1, 0, 0, 1, 0, 1], [1, 1, 1, 0, 1], false) })
        {
            var masks = new Dictionary<string, float[]> { ["fc1.mask"] = fc1, ["fc2.mask"] = fc2 };
            Assert.Equal(masks.Keys.Order(), set.Manifest.Masks.Select(k => k.Name).Order());
            var special = Specialized(forward, options, masks);

            var shapes = ShapeInference.Infer(special);
            var scatters = special.Graph.Node.Where(n => n.OpType == "ScatterND").ToDictionary(n => n.Name.Split("_grad")[0]);
            Assert.Equal(subsets ? ["fc1", "fc2"] : ["fc1"], scatters.Keys.Order());
            Assert.Equal(new long[] { 3, 4 }, shapes.TypeOf(scatters["fc1"].Input[2])!.KnownDims());  // 3 of fc1's 6 rows, all 4 inputs
            if (subsets) Assert.Equal(new long[] { 2, 6 }, shapes.TypeOf(scatters["fc2"].Input[2])!.KnownDims());  // 2 of fc2's 5 columns, moved to the front
            AssertSameSteps("mlp", set, special, masks, r => (Feed.Of(SmallNets.Uniform(r, Batch * 4, 1.0), Batch, 4), 3));
        }
    }

    /// <summary>
    /// Runs two steps of the general train.onnx and of the specialised one from the same state and
    /// batches, each carrying its own state; every output must agree within 1e-5 of the tensor's
    /// largest magnitude (int64 outputs exactly).
    /// </summary>
    static void AssertSameSteps(string name, TrainingArtifactSet set, ModelProto special, Dictionary<string, float[]> masks,
        Func<Random, (Feed Images, int Classes)> batch)
    {
        var m = set.Manifest;
        Assert.Equal(Signature(set.Train), Signature(special));
        var rng = new Random(11);
        var inits = SmallNets.Initializers(set.Infer);
        var feeds = new Dictionary<string, Feed>(StringComparer.Ordinal) { [TrainingNames.LearningRate] = Feed.Of([0.05f]) };
        foreach (var p in m.Parameters) feeds[p.Name] = Feed.Of(inits[p.Name], [.. p.Shape]);
        foreach (var r in m.RunningStatistics) feeds[r.Name] = Feed.Of(inits[r.Name], [.. r.Shape]);
        foreach (var s in m.OptimizerState) feeds[s.Name] = Feed.Of(new float[s.Shape.Aggregate(1L, (a, b) => a * b)], [.. s.Shape]);
        foreach (var (k, v) in masks) feeds[k] = Feed.Of(v, v.Length);
        var carried = m.Parameters.Select(p => (p.Name, p.Output))
            .Concat(m.OptimizerState.Concat(m.RunningStatistics).Select(s => (s.Name, s.Output))).ToArray();

        using var general = new OrtRunner(set.Train);
        using var specialised = new OrtRunner(special);
        var (a, b) = (new Dictionary<string, Feed>(feeds), new Dictionary<string, Feed>(feeds));
        for (int step = 1; step <= 2; step++)
        {
            var (images, classes) = batch(rng);
            var labels = Feed.Of(Enumerable.Range(0, Batch).Select(_ => (long)rng.Next(classes)).ToArray(), Batch);
            a[m.DataInputs[0].Name] = b[m.DataInputs[0].Name] = images;
            a[TrainingNames.Labels] = b[TrainingNames.Labels] = labels;
            var want = general.Run(a);
            var got = specialised.Run(b);
            foreach (var (output, w) in want)
            {
                if (w.Data is long[] wl) { Assert.Equal(wl, got[output].Longs); continue; }
                var (wf, gf) = (w.Floats, got[output].Floats);
                var scale = Math.Max(wf.Max(Math.Abs), 1e-30);
                for (int i = 0; i < wf.Length; i++)
                    Assert.True(Math.Abs(wf[i] - gf[i]) <= 1e-5 * scale,
                        $"[{name}] step {step}: {output}[{i}] = {gf[i]:G9} specialised, {wf[i]:G9} general (scale {scale:G3}).");
            }
            foreach (var (input, output) in carried) { a[input] = want[output]; b[input] = got[output]; }
        }
    }

    [Fact]
    public void Frozen_work_is_left_out_of_the_specialised_graph()
    {
        var options = new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9));
        var set = TrainingArtifacts.Build(Forward, options);
        var masks = Masks(set.Manifest);
        var special = Specialized(Forward, options, masks);
        Assert.True(special.Graph.Node.Count < set.Train.Graph.Node.Count);

        // The frozen prefix (stem and first stage): no backward node of any of its nodes, no gradient of any of its values.
        var prefix = set.Train.Graph.Node.Where(n => PrefixNodes.Contains(n.Name) || n.Name.StartsWith(PrefixStage, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(prefix);
        int BackwardNodesOf(ModelProto model) => model.Graph.Node.Count(n => prefix.Any(f => n.Name.StartsWith(f.Name + "_grad", StringComparison.Ordinal)));
        Assert.True(BackwardNodesOf(set.Train) > 0, "the general graph differentiates the prefix (sanity)");
        Assert.Equal(0, BackwardNodesOf(special));
        var prefixGradients = prefix.SelectMany(n => n.Output).Select(v => v + "_grad").ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(special.Graph.Node.SelectMany(n => n.Input.Concat(n.Output)), prefixGradients.Contains);

        // The fully frozen conv: no weight-gradient node (its gated weight gets no gradient); its input gradient still flows.
        var frozenGate = NeuronNames.Gated(FullyFrozenConv + ".weight");
        Assert.Contains(set.Train.Graph.Node, n => n.Name.StartsWith(frozenGate + "_grad", StringComparison.Ordinal));
        Assert.DoesNotContain(special.Graph.Node, n => n.Name.StartsWith(frozenGate + "_grad", StringComparison.Ordinal) || n.Output.Contains(frozenGate + "_grad"));
        Assert.Contains(special.Graph.Node, n => n.Name.StartsWith(FullyFrozenConv + "_grad", StringComparison.Ordinal));
        // (dW of a stride-1 conv is 9 MatMuls, one per kernel offset; dX is a Conv.)
        int WeightProducts(ModelProto model) => model.Graph.Node.Count(n => n.OpType == "MatMul" && n.Name.StartsWith(FullyFrozenConv + "_grad/", StringComparison.Ordinal));
        Assert.Equal(9, WeightProducts(set.Train));
        Assert.Equal(0, WeightProducts(special));

        // The partly frozen conv: its dW is computed for the |A| trainable channels and scattered into zeros.
        var shapes = ShapeInference.Infer(special);
        var scatter = Assert.Single(special.Graph.Node, n => n.OpType == "ScatterND" && n.Name.StartsWith(PartialConv + "_grad", StringComparison.Ordinal));
        int active = masks[PartialConv + ".mask"].Count(v => v != 0);
        var dims = Forward.Graph.Initializer.Single(t => t.Name == PartialConv + ".weight").Dims.ToArray();
        Assert.Equal(new long[] { active, dims[1], 3, 3 }, shapes.TypeOf(scatter.Input[2])!.KnownDims());
        Assert.Equal(dims, shapes.TypeOf(scatter.Output[0])!.KnownDims());

        // The fully trainable conv: every row, as in the general graph.
        Assert.DoesNotContain(special.Graph.Node, n => n.OpType == "ScatterND" && n.Name.StartsWith(TrainableConv + "_grad", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Specialising_the_kept_compilation_gives_the_bytes_of_a_build_from_scratch(string name, OptimizerOptions optimizer)
    {
        // The trainer used to build each epoch's graph from infer.onnx and the manifest's options,
        // normalising and searching the model again; the kept compilation must give the same bytes.
        var options = new ArtifactOptions(optimizer);
        var compiled = TrainingArtifacts.Compile(Forward, options);
        var masks = Masks(compiled.Artifacts.Manifest);
        var byLayer = compiled.Masks.Select(k => masks[k.Name]).ToArray();
        var kept = OnnxFile.Serialize(compiled.SpecializedTrain(byLayer));
        var fromInfer = OnnxFile.Serialize(TrainingArtifacts.Compile(compiled.Artifacts.Infer, options).SpecializedTrain(byLayer));
        Assert.True(kept.AsSpan().SequenceEqual(fromInfer), $"[{name}] differs from the build from infer.onnx.");
        Assert.True(kept.AsSpan().SequenceEqual(OnnxFile.Serialize(compiled.SpecializedTrain(byLayer))), $"[{name}] differs between two specialisations.");
    }

    [Fact]
    public void With_nothing_frozen_the_specialised_graph_is_the_general_one()
    {
        var options = new ArtifactOptions(new OptimizerOptions(OptimizerKind.Adam));
        var set = TrainingArtifacts.Build(Forward, options);
        var ones = set.Manifest.Masks.ToDictionary(k => k.Name, k => Enumerable.Repeat(1f, k.Channels).ToArray());
        Assert.Equal(OnnxFile.Serialize(set.Train), OnnxFile.Serialize(Specialized(Forward, options, ones)));
    }

    [Fact]
    public void A_wrong_count_of_masks_or_a_misshapen_mask_is_refused()
    {
        var compiled = TrainingArtifacts.Compile(Forward, new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd)));
        var ones = compiled.Masks.Select(k => Enumerable.Repeat(1f, k.Channels).ToArray()).ToArray();
        Assert.Throws<ArgumentException>(() => compiled.SpecializedTrain(ones[1..]));
        ones[0] = [1f, 0f];
        var e = Assert.Throws<ArgumentException>(() => compiled.SpecializedTrain(ones));
        Assert.Contains(compiled.Masks[0].Name, e.Message);
    }

    /// <summary>train.onnx of <paramref name="forward"/> specialised to masks by name (a mask left out trains every channel).</summary>
    static ModelProto Specialized(ModelProto forward, ArtifactOptions options, IReadOnlyDictionary<string, float[]> masks)
    {
        var compiled = TrainingArtifacts.Compile(forward, options);
        return compiled.SpecializedTrain(compiled.Masks.Select(k => masks.TryGetValue(k.Name, out var v) ? v : Enumerable.Repeat(1f, k.Channels).ToArray()).ToArray());
    }

    static string Signature(ModelProto model) =>
        string.Join(";", model.Graph.Input.Select(v => v.Name + ":" + TensorType.FromValueInfo(v))) + "→" +
        string.Join(";", model.Graph.Output.Select(v => v.Name + ":" + TensorType.FromValueInfo(v)));
}
