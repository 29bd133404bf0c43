using Neq.Onnx.Ir;
using Neq.Onnx.Lowering;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// What <see cref="TrainingArtifacts.Compile"/> gives back: the artifacts, the typed options they
/// were built with, and what they were built from (the normalised forward model and its plan:
/// layers, masks, parameters), kept so that a train.onnx specialised to other masks
/// (<see cref="SpecializedTrain"/>) costs only the mask injection and the backward pass — not the
/// normalisation, shape inference and layer search that <see cref="TrainingArtifacts.Compile"/> did once.
/// </summary>
public sealed class ArtifactCompilation
{
    readonly ModelProto _normalized;
    readonly ArtifactPlan _plan;
    readonly IOptimizer _optimizer;
    readonly NameSwap _swap;

    internal ArtifactCompilation(ModelProto normalized, ArtifactPlan plan, IOptimizer optimizer, ArtifactOptions options, NameSwap swap, TrainingArtifactSet artifacts)
    {
        _swap = swap;
        _normalized = normalized;
        _plan = plan;
        _optimizer = optimizer;
        Options = options;
        Artifacts = artifacts;
    }

    /// <summary>The options the artifacts were built with.</summary>
    public ArtifactOptions Options { get; }

    /// <summary>The graphs and the manifest.</summary>
    public TrainingArtifactSet Artifacts { get; }

    /// <summary>The neuron layers' masks, in the order of the plan (index <c>i</c> of <see cref="SpecializedTrain"/>'s list).</summary>
    public IReadOnlyList<ManifestMask> Masks => Artifacts.Manifest.Masks;

    /// <summary>
    /// train.onnx specialised to known mask values, so that frozen neurons cost no backward time:
    /// a Conv or Gemm weight with trainable channels A computes only rows A of its gradient (the
    /// rest are zeros); a parameter whose every channel is frozen gets no gradient nodes (its update
    /// still runs on a zero gradient, so SGD momentum stays zeroed and Adam's second moment keeps
    /// decaying exactly as in the general step); and no input gradient flows into a part of the
    /// network that has nothing left to train. Its inputs and outputs are those of the general
    /// train.onnx (masks included), so a trainer only swaps the session, and fed
    /// <paramref name="masksByLayer"/> it computes the same step as the general graph. Fed other
    /// masks its result is undefined: build it again whenever the masks change.
    /// </summary>
    /// <param name="masksByLayer">One mask per layer of <see cref="Masks"/>, in that order (1 trains, 0 freezes).</param>
    /// <exception cref="ArgumentException">The count of masks or a mask's length does not match the layers.</exception>
    public ModelProto SpecializedTrain(IReadOnlyList<float[]> masksByLayer)
    {
        var (train, gradients) = TrainingArtifacts.BuildForwardBackward(_normalized, _plan, Options, Known(masksByLayer));
        TrainingArtifacts.AppendOptimizer(train, _plan, _optimizer, gradients);
        return _swap.Apply(train);
    }

    /// <summary>
    /// grad.onnx specialised to known mask values, as <see cref="SpecializedTrain"/> specialises
    /// train.onnx: for the data-parallel step, where every rank builds it from the same broadcast
    /// masks and so runs the same graph. Same inputs and outputs as the general grad.onnx; fed
    /// <paramref name="masksByLayer"/> it gives the same gradients (up to float32 rounding of sums
    /// over fewer rows), fed others its result is undefined.
    /// </summary>
    /// <param name="masksByLayer">One mask per layer of <see cref="Masks"/>, in that order (1 trains, 0 freezes).</param>
    /// <exception cref="ArgumentException">The count of masks or a mask's length does not match the layers.</exception>
    public ModelProto SpecializedGrad(IReadOnlyList<float[]> masksByLayer)
    {
        var (grad, gradients) = TrainingArtifacts.BuildForwardBackward(_normalized, _plan, Options, Known(masksByLayer));
        TrainingArtifacts.FinishGrad(grad, _plan, gradients);
        return _swap.Apply(grad);
    }

    /// <summary>
    /// train.onnx for ONNX Runtime's NCHWc CPU kernels of block size <paramref name="blockSize"/>: the
    /// same step (inputs, outputs, results up to float32 summation order) with its convs lowered
    /// (<see cref="NchwcLowering"/>) and, with <paramref name="weightGradAsConv"/>, every conv weight
    /// gradient built as one swapped Conv that is lowered too (<see cref="Autodiff.GradientOptions.WeightGradAsConv"/>).
    /// General when <paramref name="masksByLayer"/> is null, else specialised to them as
    /// <see cref="SpecializedTrain"/> is. Runs only where those kernels exist: the training runtime
    /// asks for it after probing the machine.
    /// </summary>
    public ModelProto NchwcTrain(int blockSize, IReadOnlyList<float[]>? masksByLayer = null, bool weightGradAsConv = false)
    {
        // The general graph with the standard weight gradients is the artifact itself: lower it, not a rebuild.
        if (masksByLayer is null && !weightGradAsConv) return NchwcLowering.Lower(Artifacts.Train, blockSize);
        var (train, gradients) = TrainingArtifacts.BuildForwardBackward(_normalized, _plan, Options,
            masksByLayer is null ? null : Known(masksByLayer), weightGradAsConv);
        TrainingArtifacts.AppendOptimizer(train, _plan, _optimizer, gradients);
        return NchwcLowering.Lower(_swap.Apply(train), blockSize);
    }

    /// <summary>grad.onnx for the NCHWc kernels, as <see cref="NchwcTrain"/> is train.onnx (general when <paramref name="masksByLayer"/> is null).</summary>
    public ModelProto NchwcGrad(int blockSize, IReadOnlyList<float[]>? masksByLayer = null, bool weightGradAsConv = false)
    {
        if (masksByLayer is null && !weightGradAsConv && Artifacts.Grad is { } built) return NchwcLowering.Lower(built, blockSize);
        var (grad, gradients) = TrainingArtifacts.BuildForwardBackward(_normalized, _plan, Options,
            masksByLayer is null ? null : Known(masksByLayer), weightGradAsConv);
        TrainingArtifacts.FinishGrad(grad, _plan, gradients);
        return NchwcLowering.Lower(_swap.Apply(grad), blockSize);
    }

    KnownMasks Known(IReadOnlyList<float[]> masksByLayer)
    {
        ArgumentNullException.ThrowIfNull(masksByLayer);
        if (masksByLayer.Count != _plan.Layers.Count)
            throw new ArgumentException($"The model has {_plan.Layers.Count} masked layers, but {masksByLayer.Count} masks were given.", nameof(masksByLayer));
        return KnownMasks.Of(_plan, _plan.Layers.Select((l, i) => (l.Mask, masksByLayer[i]))
            .ToDictionary(p => p.Mask, p => p.Item2, StringComparer.Ordinal));
    }
}
