using Neq.Onnx.Ir;
using Neq.Onnx.Neurons;

namespace Neq.Onnx.Artifacts;

public static partial class TrainingArtifacts
{
    /// <summary>
    /// grad.onnx specialised to known mask values, as <see cref="BuildSpecializedTrain"/> specialises
    /// train.onnx (only trainable rows of a Conv or Gemm weight gradient are computed, an all-frozen
    /// parameter's gradient is zeros, no backward pass into a part of the network with nothing left
    /// to train): for the data-parallel step, where every rank builds it from the same broadcast
    /// masks and so runs the same graph. Same inputs and outputs as the general grad.onnx; fed
    /// <paramref name="masks"/> it gives the same gradients (up to float32 rounding of sums over
    /// fewer rows), fed others its result is undefined.
    /// </summary>
    /// <param name="forward">The forward model (as given to <see cref="Build"/>; not modified).</param>
    /// <param name="options">The options of the artifacts being specialised (<see cref="ArtifactOptions.Split"/> is ignored).</param>
    /// <param name="masks">Mask values by mask input name (1 trains, 0 freezes); a mask left out trains every channel.</param>
    /// <exception cref="Io.OnnxFormatException">The model cannot be trained as asked (the message says why).</exception>
    /// <exception cref="ArgumentException">A mask is not one of the model's, or has the wrong length.</exception>
    public static ModelProto BuildSpecializedGrad(ModelProto forward, ArtifactOptions options, IReadOnlyDictionary<string, float[]> masks)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(masks);
        var model = forward.Clone();
        ModelNormalizer.Normalize(model);
        var plan = ArtifactPlan.Of(model, options);
        var (grad, gradients) = BuildForwardBackward(model, plan, options, KnownMasks.Of(plan, masks));
        FinishGrad(grad, plan, gradients);
        return grad;
    }
}
