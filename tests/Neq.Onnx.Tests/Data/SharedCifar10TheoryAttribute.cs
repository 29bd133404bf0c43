namespace Neq.Onnx.Tests.Data;

/// <summary>A theory that is skipped, with the reason, when the shared CIFAR-10 archive is not there (<see cref="SharedCifar10FactAttribute"/>'s rule).</summary>
public sealed class SharedCifar10TheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the archive is absent.</summary>
    public SharedCifar10TheoryAttribute()
    {
        if (!File.Exists(RepoPaths.SharedCifar10))
            Skip = $"needs the real CIFAR-10 archive at {RepoPaths.SharedCifar10} (../shared/data from the repository root), which is absent here";
    }
}
