namespace Neq.Onnx.Tests.Data;

/// <summary>A fact that is skipped, with the reason, when a shared data folder (mnist, fashion-mnist) is not there.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when <paramref name="folder"/> is absent.</summary>
    public SharedDataFactAttribute(string folder)
    {
        if (!Directory.Exists(RepoPaths.SharedData(folder)))
            Skip = $"needs the real {folder} files at {RepoPaths.SharedData(folder)}, which are absent here";
    }
}
