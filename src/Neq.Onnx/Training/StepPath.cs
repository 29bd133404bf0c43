namespace Neq.Onnx.Training;

/// <summary>How <see cref="NeqTrainer"/> runs train.onnx (chosen per device; tests pick each).</summary>
enum StepPath
{
    /// <summary><c>session.Run</c> with preallocated host buffers (CPU only).</summary>
    Run,

    /// <summary>IO binding over the same host buffers (CPU only).</summary>
    Binding,

    /// <summary>
    /// IO binding over buffers in the training session's device memory, copied to and from the
    /// host through ONNX Runtime; the CUDA path. On the CPU it runs with CPU memory, which is how
    /// the path is tested without a GPU.
    /// </summary>
    DeviceBinding,
}
