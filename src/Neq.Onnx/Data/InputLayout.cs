namespace Neq.Onnx.Data;

/// <summary>Where a model input keeps its channel axis.</summary>
public enum InputLayout
{
    /// <summary>[N, C, H, W] images, [N, C, L] signals (PyTorch's convention).</summary>
    ChannelsFirst,

    /// <summary>[N, H, W, C] images (TensorFlow/Keras's convention).</summary>
    ChannelsLast,
}
