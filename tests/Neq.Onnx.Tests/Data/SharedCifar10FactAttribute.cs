namespace Neq.Onnx.Tests.Data;

/// <summary>A fact that is skipped, with the reason, when the shared CIFAR-10 archive is not there.</summary>
public sealed class SharedCifar10FactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the archive is absent.</summary>
    public SharedCifar10FactAttribute()
    {
        if (!File.Exists(RepoPaths.SharedCifar10))
            Skip = $"needs the real CIFAR-10 archive at {RepoPaths.SharedCifar10} (../shared/data from the repository root), which is absent here";
    }
}
