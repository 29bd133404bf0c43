using Neq.Onnx.Equilibrium;

namespace Neq.Onnx.Tests.Equilibrium;

/// <summary>
/// ResNet-32 for CIFAR-10 as the NEq code builds it, written out by hand: a 3→16 stem conv, then
/// three stages of five basic blocks (two 3×3 convs each) at 16, 32, 64 channels on 32×32, 16×16
/// and 8×8 maps; every conv is followed by a BN. Each conv and each BN is one NEq layer.
/// </summary>
internal static class ResNet32
{
    public sealed record Conv(string Name, int In, int Out, int Size)
    {
        public long Macs => (long)In * Out * 9 * Size * Size;
    }

    public static IReadOnlyList<Conv> Convs { get; } = Build();

    public static IReadOnlyList<EquilibriumLayer> Layers { get; } =
        Convs.SelectMany(c => new[] { new EquilibriumLayer(c.Name, c.Out, c.Size * c.Size), new EquilibriumLayer(c.Name + ".bn", c.Out, c.Size * c.Size) }).ToArray();

    static List<Conv> Build()
    {
        var convs = new List<Conv> { new("conv1", 3, 16, 32) };
        int[] widths = [16, 32, 64], sizes = [32, 16, 8];
        var input = 16;
        for (var s = 0; s < 3; s++)
            for (var b = 0; b < 5; b++)
            {
                convs.Add(new($"layer{s + 1}.{b}.conv1", input, widths[s], sizes[s]));
                convs.Add(new($"layer{s + 1}.{b}.conv2", widths[s], widths[s], sizes[s]));
                input = widths[s];
            }
        return convs;
    }
}
