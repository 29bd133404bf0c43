namespace Neq.Onnx.Data;

/// <summary>What <see cref="DatasetCatalog.LoadAsync"/> reads and how.</summary>
public sealed record DatasetOptions
{
    /// <summary>The catalogue name (<c>--dataset</c>); see <see cref="DatasetCatalog.Names"/>.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// The user's <c>--data</c> path: a file or folder as each reader documents. Null means the
    /// cache folder (built-in data sets, downloaded when absent); <c>folder</c> and <c>npz</c> need it.
    /// </summary>
    public string? DataPath { get; init; }

    /// <summary>The folder used when <see cref="DataPath"/> is null; null means <see cref="Cifar10Locator.DefaultCacheDirectory"/>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Whether a missing built-in data set may be downloaded.</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>Longest wait to connect, and longest a download may stall between two reads.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>CIFAR-100's label kind (<c>--labels</c>).</summary>
    public Cifar100Labels Labels { get; init; } = Cifar100Labels.Fine;

    /// <summary>
    /// The (C, H, W) every <c>folder</c> image is decoded and resized to: the model's input. C is 1
    /// (grey, ITU-R 601 luma) or 3 (RGB). Required for <c>folder</c>, unused by the others.
    /// </summary>
    public IReadOnlyList<int>? ImageShape { get; init; }

    /// <summary>Fraction of a <c>folder</c> data set drawn as its test set when it has no <c>test/</c> folder.</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>Seed of that draw.</summary>
    public ulong Seed { get; init; }
}
