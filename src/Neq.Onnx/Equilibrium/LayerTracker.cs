using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Neq.Onnx.Equilibrium;

/// <summary>
/// One layer's running NEq state: the previous pass's activations (held in half or single
/// precision) and, during a pass, the sums that become φ. Shape legend: V validation images,
/// C channels, P positions per channel; activations are [V, C, P] row-major.
/// </summary>
internal sealed class LayerTracker
{
    // The previous pass's activations [images, C·P] in the chosen precision, kept as bytes so that a
    // checkpoint can write them without a copy (SharedPrevious); the spans below view them typed.
    readonly byte[] _previous;
    readonly bool _half;
    readonly float[] _previousImage;      // [C·P]: one image's previous activations, widened to float32
    readonly double[] _cosineSum;         // per channel: Σ over images of cos (spatial layers)
    readonly double[] _dot, _normA, _normB; // per channel: Σ a·b, Σ a², Σ b² over images (layers of one value per image)

    public LayerTracker(EquilibriumLayer layer, int images, ActivationPrecision precision)
    {
        Layer = layer;
        Images = images;
        var length = checked((int)(images * layer.ValuesPerImage));
        _half = precision == ActivationPrecision.Half;
        _previous = new byte[checked(length * (_half ? 2 : 4))];
        _previousImage = new float[layer.ValuesPerImage];
        _cosineSum = new double[layer.Channels];
        _dot = new double[layer.Channels];
        _normA = new double[layer.Channels];
        _normB = new double[layer.Channels];
        Phi = Enumerable.Repeat(1.0, layer.Channels).ToArray();
        DeltaPhi = new double[layer.Channels];
        Velocity = new double[layer.Channels];
        Frozen = new bool[layer.Channels];
    }

    public EquilibriumLayer Layer { get; }

    public int Images { get; }

    /// <summary>Images of the current pass seen so far; they must arrive in order.</summary>
    public int NextImage { get; private set; }

    // φ_{t−1}, Δφ_{t−1}, v_{t−1} and the frozen set, as of the last completed pass.
    public double[] Phi { get; }
    public double[] DeltaPhi { get; }
    public double[] Velocity { get; }
    public bool[] Frozen { get; }

    /// <summary>Bytes held for previous activations.</summary>
    public long ActivationBytes => PreviousBytes.Length;

    /// <summary>The stored activations as raw bytes (a view, no copy).</summary>
    public Span<byte> PreviousBytes => _previous;

    /// <summary>The stored activations themselves, not a copy: valid until the next pass writes them.</summary>
    public byte[] SharedPrevious => _previous;

    Span<Half> PreviousHalf => MemoryMarshal.Cast<byte, Half>(_previous.AsSpan());

    Span<float> PreviousSingle => MemoryMarshal.Cast<byte, float>(_previous.AsSpan());

    /// <summary>
    /// Takes the activations of <c>n</c> images starting at <paramref name="firstImage"/>
    /// ([n, C, P]); compares each with the stored previous activations unless
    /// <paramref name="compare"/> is false (the reference pass), then stores them in their place.
    /// </summary>
    public void Observe(int firstImage, ReadOnlySpan<float> activations, bool compare)
    {
        var perImage = (int)Layer.ValuesPerImage;
        if (firstImage != NextImage)
            throw new InvalidOperationException(
                $"Layer '{Layer.Name}': expected the activations of validation image {NextImage}, got image {firstImage}; feed the validation batches in order, each once per pass.");
        if (activations.Length % perImage != 0)
            throw new ArgumentException(
                $"Layer '{Layer.Name}': {activations.Length} values is not a whole number of images of {Layer.Channels}×{Layer.Positions}.", nameof(activations));
        var n = activations.Length / perImage;
        if (firstImage + n > Images)
            throw new ArgumentException($"Layer '{Layer.Name}': images {firstImage}..{firstImage + n - 1} run past the {Images} validation images.", nameof(activations));

        for (var i = 0; i < n; i++)
        {
            var current = activations.Slice(i * perImage, perImage);
            var offset = (firstImage + i) * perImage;
            if (compare)
            {
                LoadPrevious(offset, _previousImage);
                if (Layer.OneValuePerImage) Accumulate(current, _previousImage);
                else
                    for (var c = 0; c < Layer.Channels; c++)
                    {
                        var slice = new Range(c * Layer.Positions, (c + 1) * Layer.Positions);
                        _cosineSum[c] += Similarity.Cosine(current[slice], _previousImage.AsSpan()[slice]);
                    }
            }
            Store(offset, current);
        }
        NextImage += n;
    }

    /// <summary>φ per channel for the pass just observed; resets the pass.</summary>
    public double[] FinishPhi()
    {
        if (NextImage != Images)
            throw new InvalidOperationException($"Layer '{Layer.Name}' received {NextImage} of the {Images} validation images in this pass.");
        var phi = new double[Layer.Channels];
        for (var c = 0; c < phi.Length; c++)
            phi[c] = Layer.OneValuePerImage ? Similarity.FromSums(_dot[c], _normA[c], _normB[c]) : _cosineSum[c] / Images;
        ResetPass();
        return phi;
    }

    public void ResetPass()
    {
        NextImage = 0;
        Array.Clear(_cosineSum);
        Array.Clear(_dot);
        Array.Clear(_normA);
        Array.Clear(_normB);
    }

    /// <summary>Loads checkpointed activations stored as <paramref name="precision"/> values, converting if needed.</summary>
    public void RestorePrevious(byte[] raw, ActivationPrecision precision)
    {
        var values = Images * Layer.ValuesPerImage;
        var expected = values * (precision == ActivationPrecision.Half ? 2 : 4);
        if (raw.LongLength != expected)
            throw new InvalidDataException($"Equilibrium state: layer '{Layer.Name}' holds {raw.LongLength} bytes of activations, expected {expected}.");
        if (precision == ActivationPrecision.Half && !_half)
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(raw), PreviousSingle);
        else if (precision == ActivationPrecision.Single && _half)
            Store(0, MemoryMarshal.Cast<byte, float>(raw));
        else
            raw.CopyTo(PreviousBytes);
    }

    void Accumulate(ReadOnlySpan<float> current, ReadOnlySpan<float> previous)
    {
        // One value per channel per image: the cosine runs over images, so keep its sums.
        for (var c = 0; c < current.Length; c++)
        {
            double a = current[c], b = previous[c];
            _dot[c] += a * b;
            _normA[c] += a * a;
            _normB[c] += b * b;
        }
    }

    void LoadPrevious(int offset, Span<float> destination)
    {
        if (_half) TensorPrimitives.ConvertToSingle(PreviousHalf.Slice(offset, destination.Length), destination);
        else PreviousSingle.Slice(offset, destination.Length).CopyTo(destination);
    }

    void Store(int offset, ReadOnlySpan<float> current)
    {
        if (!_half) { current.CopyTo(PreviousSingle.Slice(offset, current.Length)); return; }
        var target = PreviousHalf.Slice(offset, current.Length);
        TensorPrimitives.ConvertToHalf(current, target);
        // Past ±65,504 half overflows to ±∞, which would turn the next cosine into 0; keep the
        // largest finite half instead (NaN stays NaN: its cosine is 0 by policy anyway).
        if (TensorPrimitives.MaxMagnitude(current) > (float)Half.MaxValue)
            for (var i = 0; i < target.Length; i++)
                if (Half.IsInfinity(target[i]) && float.IsFinite(current[i]))
                    target[i] = current[i] > 0 ? Half.MaxValue : Half.MinValue;
    }
}
