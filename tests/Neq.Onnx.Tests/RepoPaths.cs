namespace Neq.Onnx.Tests;

/// <summary>Paths of files checked into the repository, found from the test assembly's location.</summary>
static class RepoPaths
{
    /// <summary>The repository root: the nearest ancestor holding Neq.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The checked-in ResNet-32 for CIFAR-10.</summary>
    public static string ResNet32Model => Path.Combine(Root, "models", "resnet32-cifar10.onnx");

    /// <summary>The shared CIFAR-10 archive, ../shared/data/cifar-10-binary.tar.gz from the root.</summary>
    public static string SharedCifar10 => Path.GetFullPath(Path.Combine(Root, "..", "shared", "data", "cifar-10-binary.tar.gz"));

    /// <summary>
    /// A folder under the shared data (mnist, fashion-mnist): ../shared/data from the root, else
    /// /work/shared/data (where worktrees one level deeper find it).
    /// </summary>
    public static string SharedData(string name)
    {
        var beside = Path.GetFullPath(Path.Combine(Root, "..", "shared", "data", name));
        return Directory.Exists(beside) ? beside : Path.Combine("/work/shared/data", name);
    }

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Neq.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Neq.sln above {AppContext.BaseDirectory}.");
    }
}
