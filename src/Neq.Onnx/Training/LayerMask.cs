using Microsoft.ML.OnnxRuntime;

namespace Neq.Onnx.Training;

/// <summary>
/// One neuron layer's mask as train.onnx reads it: 1 trains a channel, 0 freezes it. The host
/// array and the tensor wrapping it share memory, so a write to <see cref="Data"/> is what the
/// next step reads (a bound step rebinds it at the start of the epoch).
/// </summary>
public sealed class LayerMask : IDisposable
{
    internal LayerMask(string layer, string input, int channels)
    {
        Layer = layer;
        Input = input;
        Data = Enumerable.Repeat(1f, channels).ToArray();
        Value = OrtValue.CreateTensorValueFromMemory(Data, [channels]);
    }

    /// <summary>The layer's name (the manifest's, the equilibrium controller's and the metrics').</summary>
    public string Layer { get; }

    /// <summary>The train.onnx input that takes it (<c>&lt;layer&gt;.mask</c>).</summary>
    public string Input { get; }

    /// <summary>One value per channel.</summary>
    public float[] Data { get; }

    /// <summary>The tensor over <see cref="Data"/>.</summary>
    internal OrtValue Value { get; }

    /// <summary>Share of frozen channels, in [0, 1].</summary>
    public double FrozenFraction => (double)Data.Count(v => v == 0) / Data.Length;

    /// <inheritdoc />
    public void Dispose() => Value.Dispose();
}
