namespace Neq.Onnx.Data;

/// <summary>
/// Resolves where CIFAR-10 is, downloading it when it is absent and that is allowed.
/// <list type="number">
/// <item>With <see cref="Cifar10Source.DataPath"/> (<c>--data</c>) naming an existing file: that
/// file, taken as the .tar.gz archive.</item>
/// <item>With it naming an existing folder, or without it in <see cref="Cifar10Source.CacheDirectory"/>
/// (default <see cref="DefaultCacheDirectory"/>): the .bin files in that folder itself, else in its
/// <c>cifar-10-batches-bin/</c> subfolder, else its <c>cifar-10-binary.tar.gz</c>; when none is
/// there, the official archive is downloaded into it as <c>cifar-10-binary.tar.gz</c>.</item>
/// <item>A <c>--data</c> path that does not exist is an error (a typo should not start a
/// 170 MB download into a new folder).</item>
/// </list>
/// Whatever is found is checked by structure when read (<see cref="Cifar10.Load(string)"/>); only a
/// fresh download is checked against the official MD5.
/// </summary>
public static class Cifar10Locator
{
    /// <summary>
    /// The default folder: <c>neq-onnx/data</c> under the user's local application data
    /// (<c>$XDG_DATA_HOME</c> or <c>~/.local/share</c> on Linux, <c>%LOCALAPPDATA%</c> on Windows),
    /// or under the temporary folder when the user has no home.
    /// </summary>
    public static string DefaultCacheDirectory
    {
        get
        {
            var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            if (string.IsNullOrEmpty(root)) root = Path.GetTempPath();
            return Path.Combine(root, "neq-onnx", "data");
        }
    }

    /// <summary>
    /// Returns the archive or folder to read, downloading the archive first when it is missing.
    /// </summary>
    /// <exception cref="DatasetException">
    /// Nothing is there and the download is not allowed or fails; the message says which exact
    /// path was searched and where to put the file by hand.
    /// </exception>
    public static async Task<string> LocateAsync(
        Cifar10Source source, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        string folder;
        if (source.DataPath is { } given)
        {
            if (File.Exists(given)) return given;
            if (!Directory.Exists(given)) throw new DatasetException($"{given}: no such file or folder (given as the CIFAR-10 location).");
            folder = given;
        }
        else
        {
            folder = source.CacheDirectory ?? DefaultCacheDirectory;
        }

        if (FindBatchFolder(folder) is { } found) return found;
        var archive = Path.Combine(folder, Cifar10.ArchiveFileName);
        if (File.Exists(archive)) return archive;

        var where = $"looked for {archive} and {Path.Combine(folder, Cifar10.FolderName)}{Path.DirectorySeparatorChar}";
        var byHand = $"Download {Cifar10.ArchiveFileName} ({Cifar10.OfficialUrl}) and put it at {archive}, or pass --data with the path of the archive or of its extracted {Cifar10.FolderName} folder.";
        if (!source.AllowDownload)
            throw new DatasetException($"CIFAR-10 not found: {where}, and downloading is off. {byHand}");
        try
        {
            await FileDownloader.DownloadAsync(source.DownloadUrl, archive, source.DownloadMd5, source.Timeout, progress, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"CIFAR-10 not found: {where}, and the download from {source.DownloadUrl} failed ({e.Message}). {byHand}", e);
        }
        return archive;
    }

    /// <summary>
    /// The folder holding the .bin files: <paramref name="folder"/> itself when any of them is
    /// there (so a missing one is reported by name), else its cifar-10-batches-bin; null when neither.
    /// </summary>
    internal static string? FindBatchFolder(string folder)
    {
        foreach (var name in Cifar10.TrainFiles.Append(Cifar10.TestFile))
            if (File.Exists(Path.Combine(folder, name))) return folder;
        var sub = Path.Combine(folder, Cifar10.FolderName);
        return Directory.Exists(sub) ? sub : null;
    }
}
