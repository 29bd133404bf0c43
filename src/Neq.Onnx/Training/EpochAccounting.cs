using Neq.Onnx.Artifacts;
using Neq.Onnx.Equilibrium;

namespace Neq.Onnx.Training;

/// <summary>
/// The run's record: the metrics of every completed epoch, and how each new one is counted —
/// frozen neurons as a share of all (classifier included), backward FLOPs by the NEq reference's
/// accounting (<see cref="LayerCosts"/>) and their saving so far.
/// </summary>
sealed class EpochAccounting
{
    readonly IReadOnlyList<ManifestMask> _masks;
    readonly LayerCosts _costs;
    readonly int _neurons;
    readonly List<EpochMetrics> _history = [];

    /// <param name="artifacts">The artifacts (masks; infer.onnx for the layer costs).</param>
    /// <param name="layers">The equilibrium layers (for the neuron count).</param>
    /// <param name="classes">The classifier's outputs (neurons that are never frozen).</param>
    public EpochAccounting(TrainingArtifactSet artifacts, IReadOnlyList<EquilibriumLayer> layers, int classes)
    {
        _masks = artifacts.Manifest.Masks;
        _costs = LayerCosts.Of(artifacts.Infer);
        _neurons = FreezeAccounting.NeuronCount(layers, classes);
    }

    /// <summary>Metrics of the epochs completed so far.</summary>
    public IReadOnlyList<EpochMetrics> History => _history;

    /// <summary>Adds a completed epoch's metrics.</summary>
    public void Add(EpochMetrics m) => _history.Add(m);

    /// <summary>Replaces the history (a checkpoint's).</summary>
    public void Restore(IEnumerable<EpochMetrics> history)
    {
        _history.Clear();
        _history.AddRange(history);
    }

    /// <summary>One epoch's metrics (not yet added).</summary>
    /// <param name="epoch">0-based epoch.</param>
    /// <param name="lr">Its learning rate.</param>
    /// <param name="results">Training, validation (null without a subset) and test statistics.</param>
    /// <param name="trainedFrozen">Frozen share per layer while it trained.</param>
    /// <param name="nextFrozen">Frozen share per layer decided for the next epoch.</param>
    /// <param name="time">Wall times and the controller's activation memory.</param>
    public EpochMetrics Count(int epoch, double lr, (ClassificationStats Train, ClassificationStats? Val, ClassificationStats Test) results,
        IReadOnlyDictionary<string, double> trainedFrozen, IReadOnlyDictionary<string, double> nextFrozen, EpochTimes time)
    {
        double frozenNeurons(IReadOnlyDictionary<string, double> f) =>
            100.0 * _masks.Sum(k => f[k.Layer] * k.Channels) / _neurons;
        var (train, val, test) = results;
        double bprop = _costs.Unfrozen + _costs.PerLayer.Sum(kv => kv.Value * (1 - trainedFrozen.GetValueOrDefault(kv.Key)));
        double meanRemaining = (_history.Sum(h => h.BpropFlopsPerSample) + bprop) / (_history.Count + 1);
        return new EpochMetrics(epoch, lr,
            train.Loss, train.Top1, train.Top5,
            val?.Loss ?? double.NaN, val?.Top1 ?? double.NaN, val?.Top5 ?? double.NaN,
            test.Loss, test.Top1, test.Top5,
            frozenNeurons(trainedFrozen), frozenNeurons(nextFrozen),
            nextFrozen.ToDictionary(kv => kv.Key, kv => 100.0 * kv.Value),
            bprop, 100.0 * FreezeAccounting.Saving(meanRemaining, _costs.Total),
            time.Train, time.Neq, time.Test, time.ActivationBytes, time.Specialize,
            time.StepSeconds, time.Steps, time.Timing?.DenseRatio ?? 1, time.Timing?.Seconds ?? 0);
    }
}
