using Neq.Onnx.Neurons;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Neurons;

/// <summary>
/// For every exporter pattern: <see cref="NeuronLayers.Find"/> returns the layers listed by hand,
/// and <see cref="MaskInjection.Inject"/> leaves every output unchanged (masks absent, all ones,
/// or random 0/1) while its activation outputs equal the values NEq hooks in the original graph.
/// </summary>
public sealed class ExporterPatternTests
{
    /// <summary>Outputs of optimized sessions may differ by fusions ORT applies to one graph only.</summary>
    const double OptimizedTolerance = 1e-6;

    public static TheoryData<string> Patterns() => new(ExporterPatterns.All.Keys);

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Find_returns_the_layers_listed_by_hand(string pattern)
    {
        var p = ExporterPatterns.Get(pattern);
        var before = p.Model.Clone();

        var found = NeuronLayers.Find(p.Model);
        Assert.Equal(p.Layers.Where(l => !l.Classifier).Select(l => l.ToString()), found.Select(ExpectedLayer.Describe));
        var all = NeuronLayers.Find(p.Model, new NeuronLayerOptions(IncludeClassifier: true));
        Assert.Equal(p.Layers.Select(l => (l with { Classifier = false }).ToString()), all.Select(ExpectedLayer.Describe));
        Assert.All(all, l => Assert.Equal(l.Name + ".mask", l.Mask));
        Assert.All(all, l => Assert.Equal(l.Name + ".activation", l.ActivationOutput));
        Assert.Equal(before, p.Model); // Find works on a clone
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Inject_keeps_outputs_and_exports_the_hooked_activations(string pattern)
    {
        var p = ExporterPatterns.Get(pattern);
        var feeds = OrtRunner.Feeds(p.Feeds);
        var outputs = p.Model.Graph.Output.Select(o => o.Name).ToList();

        // Reference: the original graph, with the hooked values made outputs too.
        var reference = p.Model.Clone();
        foreach (var l in p.Layers.Where(l => !outputs.Contains(l.Activation)))
            reference.Graph.Output.Add(new global::Neq.Onnx.Shapes.TensorType(DataType.Float, null).ToValueInfo(l.Activation));
        var hooked = outputs.Concat(p.Layers.Select(l => l.Activation).Where(a => !outputs.Contains(a))).ToList();

        var injected = p.Model.Clone();
        var result = MaskInjection.Inject(injected, new MaskInjectionOptions(IncludeClassifier: true));
        Assert.Equal(p.Layers.Select(l => l.Name), result.Layers.Select(l => l.Name));
        foreach (var l in result.Layers)
        {
            var mask = Assert.Single(injected.Graph.Input, i => i.Name == l.Mask);
            Assert.Equal([l.Channels], mask.Type.TensorType.Shape.Dim.Select(d => d.DimValue));
            var ones = Assert.Single(injected.Graph.Initializer, t => t.Name == l.Mask);
            Assert.All(Graphs.Tensors.ToFloatArray(ones), v => Assert.Equal(1f, v));
        }
        var exported = outputs.Concat(result.Layers.Select(l => l.ActivationOutput)).ToList();

        var rng = new Random(5);
        var maskFeeds = new (string Case, Func<int, float> Value)[]
        {
            ("masks absent", _ => float.NaN),
            ("masks all ones", _ => 1f),
            ("random 0/1 masks", _ => rng.Next(2)),
        };
        foreach (bool optimize in new[] { false, true })
        {
            var want = OrtRunner.Run(reference, feeds, hooked, optimize);
            foreach (var (label, value) in maskFeeds)
            {
                var f = new Dictionary<string, (long[], float[])>(feeds);
                if (label != "masks absent")
                    foreach (var l in result.Layers)
                        f[l.Mask] = ([l.Channels], Enumerable.Range(0, l.Channels).Select(value).ToArray());
                var got = OrtRunner.Run(injected, f, exported, optimize);
                foreach (var o in outputs) Check(want[o], got[o], $"{label}, output '{o}'", optimize);
                foreach (var l in result.Layers) Check(want[l.Activation], got[l.ActivationOutput], $"{label}, activation of '{l.Name}'", optimize);
            }
        }
    }

    static void Check(float[] want, float[] got, string what, bool optimized)
    {
        if (!optimized)
        {
            // Same kernels on both sides: the gate is an identity, so results are bitwise equal.
            Assert.True(want.AsSpan().SequenceEqual(got), $"{what}: differs from the original (no optimizations), max rel diff {OrtRunner.MaxRelDiff(want, got):E2}.");
            return;
        }
        var d = OrtRunner.MaxRelDiff(want, got);
        Assert.True(d <= OptimizedTolerance, $"{what}: max |Δ|/(1+|y|) = {d:E2} > {OptimizedTolerance:E0} (optimized sessions).");
    }
}
