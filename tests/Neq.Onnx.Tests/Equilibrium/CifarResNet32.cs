using Neq.Onnx.Architectures;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Neurons;
using Neq.Onnx.Shapes;

namespace Neq.Onnx.Tests.Equilibrium;

/// <summary>
/// The project's ResNet-32 for CIFAR-10 (<see cref="CifarResNet.Build"/>), read back as the
/// equilibrium code sees it: its NEq layers (from <see cref="NeuronLayers.Find"/>, each with its
/// activation's channels and H·W from shape inference) and its convolutions with their MACs per
/// image (C_out·C_in·k_h·k_w·H_out·W_out from the weight's dims and the inferred output shape).
/// Tests hold these against numbers worked out by hand from the architecture.
/// </summary>
internal static class CifarResNet32
{
    /// <summary>A convolution node and its multiply-adds per image.</summary>
    public sealed record Conv(string Name, long Macs);

    static readonly Ir.ModelProto Model = CifarResNet.Build(new CifarResNetOptions(Depth: 32));
    static readonly ShapeInferenceResult Shapes = ShapeInference.Infer(Model);

    /// <summary>The NEq layers in graph order (conv, then its BN), the classifier left out as NEq does.</summary>
    public static IReadOnlyList<EquilibriumLayer> Layers { get; } = NeuronLayers.Find(Model).Select(l =>
    {
        var dims = Shapes.TypeOf(l.Activation)!.KnownDimsAfterBatch();
        return new EquilibriumLayer(l.Name, (int)dims[0], (int)dims.Skip(1).Aggregate(1L, (a, b) => a * b));
    }).ToArray();

    /// <summary>The Conv nodes in graph order.</summary>
    public static IReadOnlyList<Conv> Convs { get; } = Model.Graph.Node.Where(n => n.OpType == "Conv").Select(n =>
    {
        var w = Model.Graph.Initializer.Single(t => t.Name == n.Input[1]).Dims.Aggregate(1L, (a, b) => a * b); // C_out·C_in·k·k
        var spatial = Shapes.TypeOf(n.Output[0])!.KnownDimsAfterBatch().Skip(1).Aggregate(1L, (a, b) => a * b); // H·W
        return new Conv(n.Name, w * spatial);
    }).ToArray();

    /// <summary>Dims of a [N, …] value after the (symbolic) batch axis.</summary>
    static long[] KnownDimsAfterBatch(this TensorType t) => t.Shape!.Skip(1).Select(d => d.Value!.Value).ToArray();
}
