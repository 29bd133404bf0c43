using Neq.Onnx.Training;
using Tensorboard;

namespace Neq.Train.TensorBoard;

/// <summary>One epoch's <see cref="EpochMetrics"/> as a TensorBoard <see cref="Summary"/>: scalars grouped by tag prefix, plus the per-layer frozen % histogram.</summary>
public static class EpochSummary
{
    /// <summary>Tag of the per-layer frozen % histogram.</summary>
    public const string FrozenPerLayerTag = "neq/frozen_percent_per_layer";

    /// <summary>The scalars written per epoch, by tag (accuracies and frozen shares in %, times in seconds).</summary>
    public static readonly IReadOnlyList<(string Tag, Func<EpochMetrics, double> Value)> Scalars =
    [
        ("loss/train", m => m.TrainLoss), ("loss/val", m => m.ValLoss), ("loss/test", m => m.TestLoss),
        ("top1/train", m => m.TrainTop1), ("top1/val", m => m.ValTop1), ("top1/test", m => m.TestTop1),
        ("top5/train", m => m.TrainTop5), ("top5/val", m => m.ValTop5), ("top5/test", m => m.TestTop5),
        ("lr", m => m.Lr),
        ("neq/frozen_percent", m => m.FrozenPercent), ("neq/trained_frozen_percent", m => m.TrainedFrozenPercent),
        ("neq/bprop_saved_percent", m => m.BpropSavingSoFar), ("neq/bprop_flops_per_sample", m => m.BpropFlopsPerSample),
        ("time/train_seconds", m => m.TrainSeconds), ("time/neq_seconds", m => m.NeqSeconds), ("time/test_seconds", m => m.TestSeconds),
        ("time/specialize_seconds", m => m.SpecializeSeconds),
        ("time/step_ms", m => 1000 * m.StepTime), ("time/dense_step_ms", m => 1000 * m.DenseStepTime),
        ("time/step_seconds_saved", m => m.SavedSeconds),
        ("memory/activation_mib", m => m.ActivationBytes / 1048576.0),
    ];

    /// <summary>
    /// The summary of <paramref name="m"/>. A NaN value is left out rather than plotted: it means "not
    /// measured" (the validation numbers of a run without a validation subset), and a diverged loss
    /// stops the trainer before anything is logged.
    /// </summary>
    public static Summary Of(EpochMetrics m)
    {
        var summary = new Summary();
        foreach (var (tag, value) in Scalars)
            if (value(m) is var v && !double.IsNaN(v))
                summary.Value.Add(new Summary.Types.Value { Tag = tag, SimpleValue = (float)v });
        if (m.FrozenPercentPerLayer.Count > 0)
            summary.Value.Add(new Summary.Types.Value { Tag = FrozenPerLayerTag, Histo = FrozenHistogram.Of([.. m.FrozenPercentPerLayer.Values]) });
        return summary;
    }
}
