using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Neurons;

namespace Neq.Onnx.Artifacts;

public static partial class TrainingArtifacts
{
    /// <summary>
    /// train.onnx specialised to known mask values, so that frozen neurons cost no backward time:
    /// a Conv or Gemm weight with trainable channels A computes only rows A of its gradient (the
    /// rest are zeros); a parameter whose every channel is frozen gets no gradient nodes (its update
    /// still runs on a zero gradient, so SGD momentum stays zeroed and Adam's second moment keeps
    /// decaying exactly as in the general step); and no input gradient flows into a part of the
    /// network that has nothing left to train. Its inputs and outputs are those of
    /// <see cref="Build"/>'s train.onnx (masks included), so a trainer only swaps the session, and
    /// fed <paramref name="masks"/> it computes the same step as the general graph. Fed other masks
    /// its result is undefined: build it again whenever the masks change.
    /// </summary>
    /// <param name="forward">The forward model (as given to <see cref="Build"/>; not modified).</param>
    /// <param name="options">The options of the artifacts being specialised (<see cref="ArtifactOptions.Split"/> is ignored).</param>
    /// <param name="masks">Mask values by mask input name (1 trains, 0 freezes); a mask left out trains every channel.</param>
    /// <exception cref="OnnxFormatException">The model cannot be trained as asked (the message says why).</exception>
    /// <exception cref="ArgumentException">A mask is not one of the model's, or has the wrong length.</exception>
    public static ModelProto BuildSpecializedTrain(ModelProto forward, ArtifactOptions options, IReadOnlyDictionary<string, float[]> masks)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(masks);
        var optimizer = options.Optimizer.Create();
        var model = forward.Clone();
        ModelNormalizer.Normalize(model);
        var plan = ArtifactPlan.Of(model, options);
        var (train, gradients) = BuildForwardBackward(model, plan, options, KnownMasks.Of(plan, masks));
        AppendOptimizer(train, plan, optimizer, gradients);
        return train;
    }
}
