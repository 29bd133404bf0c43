namespace Neq.Onnx.Equilibrium;

/// <summary>
/// The figures NEq reports, counted as the reference code counts them (post hoc: frozen neurons
/// still cost compute here as there, so savings are counted, not realised in time).
/// </summary>
public static class FreezeAccounting
{
    /// <summary>
    /// Neurons over which "frozen %" is taken: every hooked channel plus the classifier's outputs,
    /// which are never hooked and never freeze. ResNet-32: 1,136 conv + 1,136 BN + 10 = 2,282.
    /// </summary>
    public static int NeuronCount(IEnumerable<EquilibriumLayer> layers, int classifierOutputs)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentOutOfRangeException.ThrowIfNegative(classifierOutputs);
        return layers.Sum(l => l.Channels) + classifierOutputs;
    }

    /// <summary>
    /// Frozen neurons as a percentage of <see cref="NeuronCount"/> (so for ResNet-32 it tops out
    /// at 2,272 / 2,282 = 99.56 %).
    /// </summary>
    public static double FrozenPercent(EquilibriumUpdate update, int classifierOutputs)
    {
        ArgumentNullException.ThrowIfNull(update);
        return 100.0 * update.FrozenCount / NeuronCount(update.Layers.Select(l => l.Layer), classifierOutputs);
    }

    /// <summary>Frozen channels of one layer as a percentage of its channels.</summary>
    public static double FrozenPercent(LayerUpdate layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return 100.0 * layer.FrozenFraction;
    }

    /// <summary>
    /// Backward-pass operations still spent in an epoch: Σ_layers ops_l · (1 − frozen_l), where
    /// <paramref name="forwardOps"/> is each layer's forward cost per sample (MACs × 2 for a conv or
    /// dense layer, 0 for BatchNorm, as the reference counts) and <paramref name="frozenFraction"/>
    /// the fraction of its channels frozen (0 for the classifier).
    /// </summary>
    public static double RemainingOps(ReadOnlySpan<double> forwardOps, ReadOnlySpan<double> frozenFraction)
    {
        if (forwardOps.Length != frozenFraction.Length)
            throw new ArgumentException($"{forwardOps.Length} layer costs for {frozenFraction.Length} frozen fractions.", nameof(frozenFraction));
        var remaining = 0.0;
        for (var i = 0; i < forwardOps.Length; i++)
        {
            if (!(frozenFraction[i] is >= 0 and <= 1))
                throw new ArgumentOutOfRangeException(nameof(frozenFraction), frozenFraction[i], $"Frozen fraction of layer {i} must be in [0, 1].");
            remaining += forwardOps[i] * (1 - frozenFraction[i]);
        }
        return remaining;
    }

    /// <summary>The saving against training everything: 1 − remaining / total (0 when total is 0).</summary>
    public static double Saving(double remainingOps, double totalOps) => totalOps == 0 ? 0 : 1 - remainingOps / totalOps;
}
