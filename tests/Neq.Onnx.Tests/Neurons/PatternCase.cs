using Neq.Onnx.Ir;
using Neq.Onnx.Neurons;

namespace Neq.Onnx.Tests.Neurons;

/// <summary>A neuron layer as a test expects it, written by hand from the graph the pattern builds.</summary>
/// <param name="Classifier">True for the layer <see cref="NeuronLayers.Find"/> leaves out by default.</param>
sealed record ExpectedLayer(string Name, NeuronLayerKind Kind, int Channels, string Activation, (string Name, int Axis)[] Parameters, bool Classifier = false)
{
    public static ExpectedLayer Conv(string name, int c, string activation, params (string, int)[] p) => new(name, NeuronLayerKind.Conv, c, activation, p);
    public static ExpectedLayer Bn(string name, int c, string activation, params (string, int)[] p) => new(name, NeuronLayerKind.BatchNorm, c, activation, p);
    public static ExpectedLayer Dense(string name, int c, string activation, params (string, int)[] p) => new(name, NeuronLayerKind.Dense, c, activation, p);
    public ExpectedLayer AsClassifier() => this with { Classifier = true };

    public override string ToString() =>
        $"{Name} {Kind} C={Channels} act={Activation} [{string.Join(", ", Parameters.Select(p => $"{p.Name}@{p.Axis}"))}]{(Classifier ? " classifier" : "")}";

    public static string Describe(NeuronLayer l) =>
        new ExpectedLayer(l.Name, l.Kind, l.Channels, l.Activation, l.Parameters.Select(p => (p.Name, p.ChannelAxis)).ToArray()).ToString();
}

/// <summary>An exporter-style model, the inputs to feed it and the layers it has.</summary>
sealed record PatternCase(string Name, ModelProto Model, IReadOnlyList<(string Name, long[] Shape)> Feeds, IReadOnlyList<ExpectedLayer> Layers)
{
    public override string ToString() => Name;
}
