using Neq.Onnx.Autodiff;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Neurons;
using Neq.Onnx.Operators;

namespace Neq.Onnx.Tests.Neurons;

/// <summary>
/// How <see cref="MaskInjection"/> wires the gates, its options and errors, and what the gates do
/// to gradients once the model is differentiated.
/// </summary>
public sealed class MaskInjectionTests
{
    static ModelProto Classic() => ExporterPatterns.Get("pytorch 2.x: named initializers").Model;

    [Fact]
    public void Every_gated_parameter_is_read_through_a_MaskGate_placed_before_its_reader()
    {
        var m = Classic();
        var result = MaskInjection.Inject(m, new MaskInjectionOptions());
        Assert.Equal(["conv1", "bn1", "conv2", "bn2"], result.Layers.Select(l => l.Name)); // no classifier by default

        var nodes = m.Graph.Node.ToList();
        foreach (var l in result.Layers)
            foreach (var p in l.Parameters)
            {
                var gate = Assert.Single(nodes, n => n.OpType == MaskGate.OpType && n.Input[0] == p.Name);
                Assert.Equal(NeqDomain.Name, gate.Domain);
                Assert.Equal(l.Mask, gate.Input[1]);
                Assert.Equal(p.ChannelAxis, gate.GetInt(MaskGate.AxisAttribute, -99));
                Assert.Equal(p.Name + ".gated", gate.Output[0]);
                var reader = Assert.Single(nodes, n => n.Input.Contains(gate.Output[0]));
                Assert.True(nodes.IndexOf(gate) < nodes.IndexOf(reader));
                Assert.DoesNotContain(nodes, n => n != gate && n.Input.Contains(p.Name)); // nothing reads it ungated
            }
        // The classifier is not gated; its weight is read as before.
        Assert.Contains(nodes, n => n.OpType == "Gemm" && n.Input[1] == "fc.weight");
        Assert.DoesNotContain(m.Graph.Input, i => i.Name == "fc.mask");

        Assert.Equal(8, m.IrVersion); // was 7: model-local functions need 8
        Assert.Equal(NeqDomain.Version, m.OpsetOf(NeqDomain.Name));
        var f = Assert.Single(m.Functions);
        Assert.Equal((NeqDomain.Name, MaskGate.OpType), (f.Domain, f.Name));
        Assert.Equal(m.OpsetOf(""), f.OpsetImport.Single(o => o.Domain == "").Version);
        Assert.Equal(["conv1.activation", "bn1.activation", "conv2.activation", "bn2.activation"], m.Graph.Output.Skip(1).Select(o => o.Name));
    }

    [Fact]
    public void Layers_option_selects_by_name_and_may_name_the_classifier()
    {
        var m = Classic();
        var result = MaskInjection.Inject(m, new MaskInjectionOptions(Layers: ["fc", "conv2"]));
        Assert.Equal(["conv2", "fc"], result.Layers.Select(l => l.Name)); // graph order
        Assert.Equal(["input", "conv2.mask", "fc.mask"], m.Graph.Input.Select(i => i.Name));

        var e = Assert.Throws<ArgumentException>(() => MaskInjection.Inject(Classic(), new MaskInjectionOptions(Layers: ["conv9"])));
        Assert.Contains("'conv9'", e.Message);
        Assert.Contains("conv1, bn1, conv2, bn2, fc", e.Message);
    }

    [Fact]
    public void Without_activation_export_only_the_masks_are_added()
    {
        var m = Classic();
        MaskInjection.Inject(m, new MaskInjectionOptions(ExportActivations: false));
        Assert.Equal(["logits"], m.Graph.Output.Select(o => o.Name));
        Assert.Equal(4, m.Graph.Input.Count(i => i.Name.EndsWith(".mask", StringComparison.Ordinal)));
    }

    [Fact]
    public void Injection_is_deterministic()
    {
        var a = Classic();
        var b = Classic();
        MaskInjection.Inject(a, new MaskInjectionOptions(IncludeClassifier: true));
        MaskInjection.Inject(b, new MaskInjectionOptions(IncludeClassifier: true));
        Assert.Equal(OnnxFile.Serialize(a), OnnxFile.Serialize(b));
    }

    [Fact]
    public void A_gated_model_has_the_same_layers_and_cannot_be_gated_again()
    {
        foreach (var name in ExporterPatterns.All.Keys)
        {
            var m = ExporterPatterns.Get(name).Model;
            var before = NeuronLayers.Find(m, new NeuronLayerOptions(IncludeClassifier: true));
            MaskInjection.Inject(m, new MaskInjectionOptions(IncludeClassifier: true));
            var after = NeuronLayers.Find(m, new NeuronLayerOptions(IncludeClassifier: true));
            Assert.Equal(before.Select(ExpectedLayer.Describe), after.Select(ExpectedLayer.Describe));
        }
        var gated = Classic();
        MaskInjection.Inject(gated, new MaskInjectionOptions());
        Assert.Equal(["conv1", "bn1", "conv2", "bn2"], NeuronLayers.Find(gated).Select(l => l.Name)); // the activation exports do not make bn2 look like a classifier
        var e = Assert.Throws<OnnxFormatException>(() => MaskInjection.Inject(gated, new MaskInjectionOptions()));
        Assert.Contains("already has mask gates", e.Message);
    }

    [Fact]
    public void A_taken_mask_name_is_an_error()
    {
        var m = Classic();
        m.Graph.Node.Add(new NodeProto { OpType = "Identity", Input = { "logits" }, Output = { "conv1.mask" } });
        var e = Assert.Throws<OnnxFormatException>(() => MaskInjection.Inject(m, new MaskInjectionOptions()));
        Assert.Contains("'conv1.mask'", e.Message);
    }

    [Fact]
    public void A_model_without_layers_gets_no_function()
    {
        var n = new Net(3);
        n.Input("x", [2, 3]);
        n.Op("Relu", ["x"], "y");
        n.Output("y");
        var m = n.Model(13, 7, "test");
        Assert.Empty(MaskInjection.Inject(m, new MaskInjectionOptions()).Layers);
        Assert.Empty(m.Functions);
        Assert.Equal(7, m.IrVersion);
    }

    // Every pattern, the detector too: its nearest-neighbour Resize by 2 has the block-sum rule.
    public static TheoryData<string> GradientPatterns() => new(ExporterPatterns.All.Keys);

    /// <summary>
    /// Differentiating an injected graph: each gated parameter's gradient is the ungated graph's
    /// gradient times the mask of its channel (along the parameter's channel axis), and a fully
    /// frozen layer still passes gradients to the layers before it. Every exporter pattern.
    /// </summary>
    [Theory]
    [MemberData(nameof(GradientPatterns))]
    public void Gradients_of_a_gated_graph_are_the_ungated_ones_times_the_masks(string pattern)
    {
        var p = ExporterPatterns.Get(pattern);
        // Train at a fixed input size (Conv gradients need static spatial sizes), on a scalar loss.
        var model = p.Model.Clone();
        foreach (var input in model.Graph.Input)
        {
            if (p.Feeds.All(f => f.Name != input.Name)) continue; // an initializer listed as input
            var shape = p.Feeds.Single(f => f.Name == input.Name).Shape;
            input.Type.TensorType.Shape.Dim.Clear();
            foreach (var d in shape) input.Type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        const string loss = "test_loss";
        model.Graph.Node.Add(new NodeProto { OpType = "ReduceSum", Input = { model.Graph.Output[0].Name }, Output = { loss }, Attribute = { Attr.Int("keepdims", 0) } });
        model.Graph.Output.Add(new ValueInfoProto { Name = loss });

        var gated = model.Clone();
        var layers = MaskInjection.Inject(gated, new MaskInjectionOptions(IncludeClassifier: true, ExportActivations: false)).Layers;
        var all = layers.SelectMany(l => l.Parameters.Select(q => q.Name)).ToList();
        var plain = model.Clone();
        ModelNormalizer.Normalize(plain); // the parameters as initializers, named as in the gated model
        var plainGrads = Backward.Append(plain, new GradientOptions(loss, all));
        var gatedGrads = Backward.Append(gated, new GradientOptions(loss, all));
        // A parameter off the path to output 0 (in the detector, a head of another output) has no gradient in either graph; its layer is not compared.
        foreach (var w in all) Assert.Equal(plainGrads[w] is null, gatedGrads[w] is null);
        var wrt = all.Where(w => plainGrads[w] is not null).ToList();
        layers = layers.Where(l => l.Parameters.All(q => wrt.Contains(q.Name))).ToList();
        foreach (var w in wrt)
        {
            plain.Graph.Output.Add(new ValueInfoProto { Name = plainGrads[w]! });
            gated.Graph.Output.Add(new ValueInfoProto { Name = gatedGrads[w]! });
        }

        var feeds = OrtRunner.Feeds(p.Feeds);
        var want = OrtRunner.Run(plain, feeds, wrt.Select(w => plainGrads[w]!).ToList(), optimize: false);
        var rng = new Random(17);
        var masks = layers.ToDictionary(l => l.Mask, l => Enumerable.Range(0, l.Channels).Select(_ => (float)rng.Next(2)).ToArray());
        if (layers.Count > 1) Array.Clear(masks[layers[1].Mask]); // a frozen layer: the one before it still learns
        foreach (var (name, values) in masks) feeds[name] = ([values.Length], values);
        var got = OrtRunner.Run(gated, feeds, wrt.Select(w => gatedGrads[w]!).ToList(), optimize: false);

        var inits = gated.Graph.Initializer.ToDictionary(t => t.Name);
        foreach (var l in layers)
            foreach (var q in l.Parameters)
            {
                var (g, expected, mask) = (got[gatedGrads[q.Name]!], want[plainGrads[q.Name]!], masks[l.Mask]);
                long inner = inits[q.Name].Dims.Skip(q.ChannelAxis + 1).Aggregate(1L, (a, b) => a * b);
                for (int k = 0; k < g.Length; k++)
                    Assert.True(expected[k] * mask[k / inner % l.Channels] == g[k],
                        $"{l.Name}: d/d {q.Name}[{k}] = {g[k]}, want {expected[k]} · mask[{k / inner % l.Channels}].");
            }
        Assert.Contains(got[gatedGrads[layers[0].Parameters[0].Name]!], v => v != 0);
    }
}
