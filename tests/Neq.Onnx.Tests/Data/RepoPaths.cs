namespace Neq.Onnx.Tests.Data;

/// <summary>Paths relative to the repository root (the folder holding Neq.sln).</summary>
internal static class RepoPaths
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Neq.sln"))) return dir.FullName;
            throw new InvalidOperationException("Cannot find the repository root (Neq.sln) above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The shared CIFAR-10 archive, ../shared/data/cifar-10-binary.tar.gz from the root.</summary>
    public static string SharedCifar10 => Path.GetFullPath(Path.Combine(Root, "..", "shared", "data", "cifar-10-binary.tar.gz"));
}
