using Neq.Onnx.Training;

namespace Neq.Onnx.Tests.Lowering;

/// <summary>A fact that skips where this machine's ONNX Runtime has no NCHWc kernels (non-x64 builds).</summary>
public sealed class NchwcFactAttribute : FactAttribute
{
    /// <summary>Skips unless <see cref="CpuKernels.NchwcBlockSize"/> is above 1.</summary>
    public NchwcFactAttribute()
    {
        if (CpuKernels.NchwcBlockSize <= 1) Skip = "This machine's ONNX Runtime has no NCHWc kernels (com.microsoft.nchwc needs x64 with AVX2 or AVX-512).";
    }
}
