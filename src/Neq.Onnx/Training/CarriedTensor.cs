using Microsoft.ML.OnnxRuntime;

namespace Neq.Onnx.Training;

/// <summary>
/// A float tensor a training step reads and rewrites — a parameter, optimizer state or running
/// statistic. ONNX outputs cannot alias inputs, so it has two preallocated buffers in the trainer's
/// <see cref="DeviceTensors"/> memory (host or device), each wrapped once in an <see cref="OrtValue"/>:
/// a step reads one and writes the other, then they swap. No per-step copies or allocations; the
/// value crosses to the host only when read (<see cref="ReadCurrent"/>) or set (<see cref="Set"/>).
/// </summary>
public sealed class CarriedTensor : IDisposable
{
    readonly DeviceTensors _memory;
    readonly OrtValue[] _values;
    int _current;

    /// <summary>Creates the pair of buffers, the current one holding <paramref name="initial"/>.</summary>
    public CarriedTensor(string name, string output, long[] shape, float[] initial, DeviceTensors memory)
    {
        Name = name;
        Output = output;
        Shape = shape;
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (initial.Length != count)
            throw new ArgumentException($"Initial value of '{name}' has {initial.Length} elements, its shape [{string.Join(",", shape)}] needs {count}.");
        _memory = memory;
        _values = [memory.Allocate(shape), memory.Allocate(shape)];
        memory.Upload(initial, _values[0]);
    }

    /// <summary>Input name.</summary>
    public string Name { get; }

    /// <summary>Output name of its updated value.</summary>
    public string Output { get; }

    /// <summary>Sizes.</summary>
    public long[] Shape { get; }

    /// <summary>Which of the two buffers (0 or 1) holds the current value.</summary>
    public int Parity => _current;

    /// <summary>Buffer 0 or 1, whichever value it holds now (for bindings prebuilt per parity).</summary>
    public OrtValue Buffer(int index) => _values[index];

    /// <summary>The current value as an ONNX Runtime input.</summary>
    public OrtValue CurrentValue => _values[_current];

    /// <summary>The buffer the next step writes.</summary>
    public OrtValue NextValue => _values[1 - _current];

    /// <summary>Makes the buffer just written the current one.</summary>
    public void Swap() => _current = 1 - _current;

    /// <summary>A host copy of the current value.</summary>
    public float[] ReadCurrent() => _memory.Download(CurrentValue);

    /// <summary>Overwrites the current value (restoring a checkpoint).</summary>
    public void Set(float[] value) => _memory.Upload(value, CurrentValue);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var v in _values) v.Dispose();
    }
}
