using Microsoft.ML.OnnxRuntime;

namespace Neq.Onnx.Trainer;

/// <summary>
/// A float tensor a training step reads and rewrites — a parameter, optimizer state or running
/// statistic. ONNX outputs cannot alias inputs, so it has two preallocated buffers, each wrapped
/// once in an <see cref="OrtValue"/>: a step reads one and writes the other, then they swap. No
/// per-step copies or allocations.
/// </summary>
public sealed class CarriedTensor : IDisposable
{
    readonly float[][] _data;
    readonly OrtValue[] _values;
    int _current;

    /// <summary>Creates the pair of buffers, the current one holding <paramref name="initial"/>.</summary>
    public CarriedTensor(string name, string output, long[] shape, ReadOnlySpan<float> initial)
    {
        Name = name;
        Output = output;
        Shape = shape;
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (initial.Length != count)
            throw new ArgumentException($"Initial value of '{name}' has {initial.Length} elements, its shape [{string.Join(",", shape)}] needs {count}.");
        _data = [initial.ToArray(), new float[count]];
        _values = [OrtValue.CreateTensorValueFromMemory(_data[0], shape), OrtValue.CreateTensorValueFromMemory(_data[1], shape)];
    }

    /// <summary>Input name.</summary>
    public string Name { get; }

    /// <summary>Output name of its updated value.</summary>
    public string Output { get; }

    /// <summary>Sizes.</summary>
    public long[] Shape { get; }

    /// <summary>The current value.</summary>
    public float[] Current => _data[_current];

    /// <summary>The current value as an ONNX Runtime input.</summary>
    public OrtValue CurrentValue => _values[_current];

    /// <summary>The buffer the next step writes.</summary>
    public OrtValue NextValue => _values[1 - _current];

    /// <summary>Makes the buffer just written the current one.</summary>
    public void Swap() => _current = 1 - _current;

    /// <summary>Overwrites the current value (restoring a checkpoint).</summary>
    public void Set(ReadOnlySpan<float> value) => value.CopyTo(_data[_current]);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var v in _values) v.Dispose();
    }
}
