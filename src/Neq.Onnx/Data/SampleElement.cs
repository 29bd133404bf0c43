namespace Neq.Onnx.Data;

/// <summary>How a <see cref="SampleSet"/> stores its samples.</summary>
public enum SampleElement
{
    /// <summary>Pixel bytes 0–255, scaled to [0, 1] and normalised per channel when batched.</summary>
    Byte,

    /// <summary>float32 values, batched as they are.</summary>
    Float32,
}
