using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Equilibrium;

namespace Neq.Onnx.Training;

/// <summary>
/// The masks of every neuron layer, indexed as the compilation's layers (which are also the
/// equilibrium controller's): what the next epoch trains. Starts with every channel trainable.
/// </summary>
public sealed class MaskSet : IDisposable
{
    readonly LayerMask[] _layers;
    readonly Dictionary<string, LayerMask> _byInput;

    /// <summary>All-ones masks for the layers of <paramref name="masks"/> (the manifest's, in order).</summary>
    public MaskSet(IReadOnlyList<ManifestMask> masks)
    {
        _layers = masks.Select(k => new LayerMask(k.Layer, k.Name, k.Channels)).ToArray();
        _byInput = _layers.ToDictionary(l => l.Input, StringComparer.Ordinal);
    }

    /// <summary>Layer count.</summary>
    public int Count => _layers.Length;

    /// <summary>Layer <paramref name="index"/>'s mask.</summary>
    public LayerMask this[int index] => _layers[index];

    /// <summary>The masks in layer order.</summary>
    public IReadOnlyList<LayerMask> Layers => _layers;

    /// <summary>True when some channel of some layer is frozen.</summary>
    public bool AnyFrozen => _layers.Any(l => l.Data.Contains(0f));

    /// <summary>The tensor of the mask that train.onnx reads as <paramref name="input"/>; null when no mask has that name.</summary>
    internal OrtValue? ValueOf(string input) => _byInput.TryGetValue(input, out var l) ? l.Value : null;

    /// <summary>Frozen share per layer name.</summary>
    public IReadOnlyDictionary<string, double> FrozenFractions() =>
        _layers.ToDictionary(l => l.Layer, l => l.FrozenFraction, StringComparer.Ordinal);

    /// <summary>Sets every layer's mask from an equilibrium update (its layers are these, in this order).</summary>
    public void Apply(EquilibriumUpdate update)
    {
        if (update.Layers.Count != _layers.Length)
            throw new InvalidOperationException($"The equilibrium update has {update.Layers.Count} layers, the masks {_layers.Length}.");
        for (int i = 0; i < _layers.Length; i++)
        {
            var u = update.Layers[i];
            if (u.Layer.Name != _layers[i].Layer)
                throw new InvalidOperationException($"Equilibrium layer {i} is '{u.Layer.Name}', mask {i} is '{_layers[i].Layer}'.");
            u.WriteTrainableMask(_layers[i].Data);
        }
    }

    /// <summary>A copy of every layer's values, in layer order.</summary>
    public float[][] Snapshot() => _layers.Select(l => (float[])l.Data.Clone()).ToArray();

    /// <summary>True when <paramref name="snapshot"/> holds exactly the current values.</summary>
    public bool Matches(float[][] snapshot) =>
        snapshot.Length == _layers.Length && _layers.Zip(snapshot).All(p => p.First.Data.AsSpan().SequenceEqual(p.Second));

    /// <summary>The values by mask input name, as a checkpoint stores them.</summary>
    public IReadOnlyDictionary<string, float[]> ByInput() =>
        _layers.ToDictionary(l => l.Input, l => (float[])l.Data.Clone(), StringComparer.Ordinal);

    /// <summary>Sets every mask from values by input name (a checkpoint's); <paramref name="source"/> names the file in errors.</summary>
    public void Restore(IReadOnlyDictionary<string, float[]> byInput, string source)
    {
        foreach (var l in _layers)
            (byInput.TryGetValue(l.Input, out var v) && v.Length == l.Data.Length ? v
                : throw new InvalidDataException($"{source}: no mask '{l.Input}' of {l.Data.Length} channels.")).CopyTo(l.Data, 0);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var l in _layers) l.Dispose();
    }
}
