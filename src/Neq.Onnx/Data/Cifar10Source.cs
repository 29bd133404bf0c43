namespace Neq.Onnx.Data;

/// <summary>
/// Where to find CIFAR-10, and whether and from where to download it. See
/// <see cref="Cifar10Locator.LocateAsync"/> for how a location is resolved.
/// </summary>
public sealed record Cifar10Source
{
    /// <summary>
    /// The user's <c>--data</c> path: the .tar.gz archive, the extracted <c>cifar-10-batches-bin</c>
    /// folder, or a folder that holds (or should receive) either. Null means
    /// <see cref="CacheDirectory"/>.
    /// </summary>
    public string? DataPath { get; init; }

    /// <summary>The folder used when <see cref="DataPath"/> is null; null means <see cref="Cifar10Locator.DefaultCacheDirectory"/>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Whether a missing data set may be downloaded (false: fail with where to put the file).</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>The archive to download.</summary>
    public string DownloadUrl { get; init; } = Cifar10.OfficialUrl;

    /// <summary>The MD5 (hex) the downloaded archive must have; null skips the check.</summary>
    public string? DownloadMd5 { get; init; } = Cifar10.OfficialMd5;

    /// <summary>Longest wait to connect, and longest a download may stall between two reads.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}
