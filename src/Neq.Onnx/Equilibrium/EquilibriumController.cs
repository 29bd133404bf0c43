using System.Buffers;
using System.Numerics.Tensors;

namespace Neq.Onnx.Equilibrium;

/// <summary>
/// Decides which neurons train in the next epoch, from the validation activations an evaluation
/// graph exports (NEq, Bragagnolo et al. 2022). One pass per epoch:
/// <code>
/// foreach validation batch, foreach layer:  controller.Observe(layer, firstImage, activations);
/// var update = controller.CompletePass();   // φ, Δφ, v, masks for the next epoch
/// </code>
/// The first pass, on the untrained model, only records the reference activations (φ_{−1} = 1,
/// nothing frozen); every later pass compares each image's activations with its own from the pass
/// before, in the validation set's fixed order. Memory is fixed at construction:
/// <see cref="ActivationBytes"/> = V · Σ C·P · (2 for half, 4 for single).
/// </summary>
public sealed class EquilibriumController
{
    readonly LayerTracker[] _layers;

    /// <summary>A controller for <paramref name="layers"/> over <paramref name="validationImages"/> images per pass.</summary>
    /// <exception cref="ArgumentException">An option is out of range, a layer is malformed or names repeat, or there are no validation images.</exception>
    public EquilibriumController(IReadOnlyList<EquilibriumLayer> layers, int validationImages, EquilibriumOptions options)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (validationImages <= 0)
            throw new ArgumentException("NEq needs at least one validation image to measure equilibrium (--val-size must be > 0).", nameof(validationImages));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in layers)
        {
            l.Validate();
            if (!names.Add(l.Name)) throw new ArgumentException($"Layer '{l.Name}' appears twice.", nameof(layers));
        }
        Options = options;
        ValidationImages = validationImages;
        _layers = layers.Select(l => new LayerTracker(l, validationImages, options.Precision)).ToArray();
        Layers = layers.ToArray();
    }

    /// <summary>The settings.</summary>
    public EquilibriumOptions Options { get; }

    /// <summary>The layers, in the order of <see cref="EquilibriumUpdate.Layers"/>.</summary>
    public IReadOnlyList<EquilibriumLayer> Layers { get; }

    /// <summary>Validation images per pass (V).</summary>
    public int ValidationImages { get; }

    /// <summary>Whether the reference pass has completed.</summary>
    public bool HasReference { get; private set; }

    /// <summary>Passes completed after training epochs (the reference pass not counted).</summary>
    public int EpochsObserved { get; private set; }

    /// <summary>Bytes held for the previous activations (the controller's dominant memory).</summary>
    public long ActivationBytes => _layers.Sum(l => l.ActivationBytes);

    /// <summary>
    /// What <see cref="ActivationBytes"/> will be for these layers, before allocating: V · Σ C·P ·
    /// element size. For ResNet-32 (conv and BN outputs) it is 606,208 values per image: 606 MB in
    /// half precision for 500 validation images, 61 MB for 50.
    /// </summary>
    public static long ActivationBytesFor(IEnumerable<EquilibriumLayer> layers, int validationImages, ActivationPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var size = precision == ActivationPrecision.Half ? 2 : 4;
        return layers.Sum(l => l.ValuesPerImage) * validationImages * size;
    }

    /// <summary>The index of the layer named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No layer has that name.</exception>
    public int IndexOf(string name)
    {
        for (var i = 0; i < _layers.Length; i++)
            if (_layers[i].Layer.Name == name) return i;
        throw new KeyNotFoundException($"No NEq layer is named '{name}'.");
    }

    /// <summary>The frozen set in force (from the last completed pass) for layer <paramref name="layer"/>.</summary>
    public ReadOnlySpan<bool> Frozen(int layer) => _layers[layer].Frozen;

    /// <summary>
    /// Takes layer <paramref name="layer"/>'s activations for validation images
    /// <paramref name="firstImage"/>.. as [n, C, P] float32 values (P = H·W; a [n, C, H, W] output
    /// as it comes). Each layer's images must arrive in order, each once per pass; calls for
    /// different layers may run in parallel.
    /// </summary>
    public void Observe(int layer, int firstImage, ReadOnlySpan<float> activations) =>
        Tracker(layer).Observe(firstImage, activations, compare: HasReference);

    /// <summary>As <see cref="Observe(int, int, ReadOnlySpan{float})"/> for half-precision outputs; the cosine is still computed in float32.</summary>
    public void Observe(int layer, int firstImage, ReadOnlySpan<Half> activations)
    {
        var tracker = Tracker(layer);
        var buffer = ArrayPool<float>.Shared.Rent(activations.Length);
        try
        {
            var widened = buffer.AsSpan(0, activations.Length);
            TensorPrimitives.ConvertToSingle(activations, widened);
            tracker.Observe(firstImage, widened, compare: HasReference);
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    /// <summary>
    /// Ends the pass. After the reference pass: φ = 1, Δφ = v = 0 and nothing frozen. After
    /// training epoch t: φ_t per neuron (mean over images of the per-image cosine; with one value
    /// per image, the cosine across images), Δφ_t = φ_t − φ_{t−1}, v_t by <see cref="EquilibriumOptions.VelocityRule"/>,
    /// and the frozen set for epoch t + 1 (<see cref="EquilibriumMath.Freeze"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">A layer did not receive every validation image.</exception>
    public EquilibriumUpdate CompletePass()
    {
        foreach (var t in _layers)
            if (t.NextImage != ValidationImages)
                throw new InvalidOperationException($"Layer '{t.Layer.Name}' received {t.NextImage} of the {ValidationImages} validation images in this pass.");
        var o = Options;
        var updates = new LayerUpdate[_layers.Length];
        for (var i = 0; i < _layers.Length; i++)
        {
            var t = _layers[i];
            var channels = t.Layer.Channels;
            if (!HasReference)
            {
                t.ResetPass();
                updates[i] = new LayerUpdate(t.Layer, (double[])t.Phi.Clone(), new double[channels], new double[channels], new bool[channels]);
                continue;
            }
            var phi = t.FinishPhi();
            var deltaPhi = new double[channels];
            var velocity = new double[channels];
            var frozen = new bool[channels];
            EquilibriumMath.Variation(phi, t.Phi, deltaPhi);
            EquilibriumMath.Velocity(o.VelocityRule, o.VelocityMu, deltaPhi, t.DeltaPhi, t.Velocity, velocity);
            EquilibriumMath.Freeze(velocity, o.Eps, o.VelocityRule, o.Pinning, t.Frozen, frozen);
            phi.CopyTo(t.Phi, 0);
            deltaPhi.CopyTo(t.DeltaPhi, 0);
            velocity.CopyTo(t.Velocity, 0);
            frozen.CopyTo(t.Frozen, 0);
            updates[i] = new LayerUpdate(t.Layer, phi, deltaPhi, velocity, frozen);
        }
        var epoch = HasReference ? EpochsObserved++ : -1;
        HasReference = true;
        return new EquilibriumUpdate(epoch, updates);
    }

    /// <summary>A copy of the state between passes, for a checkpoint.</summary>
    /// <exception cref="InvalidOperationException">A pass is in progress.</exception>
    public EquilibriumState CaptureState() => Capture(share: false);

    /// <summary>
    /// As <see cref="CaptureState"/>, but the stored activations (hundreds of MB for a ResNet) are
    /// the controller's own arrays, not copies: the state is valid until the next validation pass,
    /// long enough to write a checkpoint without doubling NEq's memory.
    /// </summary>
    /// <exception cref="InvalidOperationException">A pass is in progress.</exception>
    public EquilibriumState ShareState() => Capture(share: true);

    EquilibriumState Capture(bool share)
    {
        if (_layers.Any(t => t.NextImage != 0))
            throw new InvalidOperationException("The equilibrium state can only be saved between validation passes.");
        var layers = _layers.Select(t => new LayerState(
            t.Layer, (double[])t.Phi.Clone(), (double[])t.DeltaPhi.Clone(), (double[])t.Velocity.Clone(),
            (bool[])t.Frozen.Clone(), !HasReference ? [] : share ? t.SharedPrevious : t.PreviousBytes.ToArray())).ToList();
        return new EquilibriumState(HasReference, EpochsObserved, ValidationImages, Options.Precision, layers);
    }

    /// <summary>
    /// A controller that continues from <paramref name="state"/>, with <paramref name="options"/>
    /// (which may differ, e.g. a new ε; stored activations are converted if the precision differs).
    /// </summary>
    /// <exception cref="InvalidDataException">The state is inconsistent (array lengths, sizes).</exception>
    public static EquilibriumController Restore(EquilibriumState state, EquilibriumOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        var controller = new EquilibriumController(state.Layers.Select(l => l.Layer).ToArray(), state.ValidationCount, options);
        foreach (var (t, s) in controller._layers.Zip(state.Layers))
        {
            var c = t.Layer.Channels;
            if (s.Phi.Length != c || s.DeltaPhi.Length != c || s.Velocity.Length != c || s.Frozen.Length != c)
                throw new InvalidDataException($"Equilibrium state: layer '{t.Layer.Name}' has per-channel arrays that do not match its {c} channels.");
            s.Phi.CopyTo(t.Phi, 0);
            s.DeltaPhi.CopyTo(t.DeltaPhi, 0);
            s.Velocity.CopyTo(t.Velocity, 0);
            s.Frozen.CopyTo(t.Frozen, 0);
            if (state.HasReference) t.RestorePrevious(s.PreviousActivations, state.Precision);
        }
        controller.HasReference = state.HasReference;
        controller.EpochsObserved = state.EpochsObserved;
        return controller;
    }

    LayerTracker Tracker(int layer)
    {
        if ((uint)layer >= (uint)_layers.Length)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"There are {_layers.Length} NEq layers.");
        return _layers[layer];
    }
}
