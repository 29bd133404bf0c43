using Neq.Onnx.Equilibrium;

namespace Neq.Onnx.Tests.Equilibrium;

public sealed class FreezeAccountingTests
{
    static EquilibriumUpdate Update(IEnumerable<EquilibriumLayer> layers, Func<EquilibriumLayer, int, bool> frozen) =>
        new(3, layers.Select(l =>
        {
            var f = Enumerable.Range(0, l.Channels).Select(c => frozen(l, c)).ToArray();
            return new LayerUpdate(l, new double[l.Channels], new double[l.Channels], new double[l.Channels], f);
        }).ToList());

    [Fact]
    public void ResNet32_counts_like_the_reference()
    {
        // 31 convs: 16 + 10·16 + 10·32 + 10·64 = 1,136 channels; as many BN channels; 10 classifier outputs.
        Assert.Equal(31, CifarResNet32.Convs.Count);
        Assert.Equal(2_282, FreezeAccounting.NeuronCount(CifarResNet32.Layers, classifierOutputs: 10));
        // Everything hookable frozen: 2,272 / 2,282 = 99.5618 %.
        var all = Update(CifarResNet32.Layers, (_, _) => true);
        Assert.Equal(99.5618, FreezeAccounting.FrozenPercent(all, 10), 4);
        // A quarter of one 16-channel layer frozen.
        var some = Update(CifarResNet32.Layers, (l, c) => l.Name == "conv1" && c < 4);
        Assert.Equal(4, some.FrozenCount);
        Assert.Equal(25.0, FreezeAccounting.FrozenPercent(some.Layers[0]));
        Assert.Equal(0.0, FreezeAccounting.FrozenPercent(some.Layers[1]));
        Assert.Equal(100.0 * 4 / 2282, FreezeAccounting.FrozenPercent(some, 10), 12);
    }

    [Fact]
    public void Remaining_backprop_ops_and_saving()
    {
        // Forward ops = 2 × MACs per conv (BN 0, not listed), plus the classifier's 2 × 64 × 10 = 1,280.
        var macs = CifarResNet32.Convs.Sum(c => c.Macs);
        Assert.Equal(68_861_952, macs); // the reference's figure
        var ops = CifarResNet32.Convs.Select(c => 2.0 * c.Macs).Append(1_280).ToArray();
        var total = ops.Sum();
        Assert.Equal(137_725_184, total);

        // Nothing frozen: all ops remain, no saving.
        var none = new double[ops.Length];
        Assert.Equal(total, FreezeAccounting.RemainingOps(ops, none));
        Assert.Equal(0, FreezeAccounting.Saving(total, total));

        // Stage 3 fully frozen: 2 × (32·64·9·64 + 9 · 64·64·9·64) = 2 × 22,413,312 = 44,826,624 ops saved.
        var stage3 = CifarResNet32.Convs.Select(c => c.Name.StartsWith("layer3", StringComparison.Ordinal) ? 1.0 : 0.0).Append(0).ToArray();
        var remaining = FreezeAccounting.RemainingOps(ops, stage3);
        Assert.Equal(137_725_184 - 44_826_624, remaining);
        Assert.Equal(44_826_624.0 / 137_725_184, FreezeAccounting.Saving(remaining, total), 12);

        // Half of the stem frozen: half its 2 × 3·16·9·1024 = 884,736 ops remain.
        var stemHalf = new double[ops.Length];
        stemHalf[0] = 0.5;
        Assert.Equal(total - 442_368, FreezeAccounting.RemainingOps(ops, stemHalf));

        Assert.Throws<ArgumentOutOfRangeException>(() => FreezeAccounting.RemainingOps([1.0], [1.5]));
        Assert.Throws<ArgumentException>(() => FreezeAccounting.RemainingOps([1.0, 2.0], [0.5]));
    }
}
