namespace Neq.Onnx.Distributed;

/// <summary>How a <see cref="DataParallelStep"/> runs its graphs.</summary>
/// <param name="Threads">ONNX Runtime intra-op threads per rank (0: ONNX Runtime's default). With K ranks on one machine, cores / K.</param>
/// <param name="Portable">Run grad.onnx as written (standard ONNX) rather than lowered to the CPU's NCHWc kernels (<see cref="Training.CpuKernels"/>).</param>
public sealed record DataParallelStepOptions(int Threads = 0, bool Portable = false)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the value when it is impossible.</summary>
    public void Validate()
    {
        if (Threads < 0) throw new ArgumentException("--threads must be 0 (default) or positive.");
    }
}
