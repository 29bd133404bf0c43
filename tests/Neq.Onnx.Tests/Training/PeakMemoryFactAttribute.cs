using Neq.Onnx.Training;

namespace Neq.Onnx.Tests.Training;

/// <summary>A fact that runs only where the peak resident memory is measured per phase (Linux's /proc; <see cref="PeakMemory"/>).</summary>
public sealed class PeakMemoryFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> where memory is not measured.</summary>
    public PeakMemoryFactAttribute()
    {
        if (!PeakMemory.Measured) Skip = "needs Linux's /proc/self/status and /proc/self/clear_refs (and NEQ_MEMORY_PHASES not off)";
    }
}
