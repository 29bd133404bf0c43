using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;

namespace Neq.Onnx.Data;

/// <summary>
/// Reads CIFAR-100 in its official binary version: <c>cifar-100-binary.tar.gz</c> (streamed, never
/// extracted) or its extracted <c>cifar-100-binary/</c> folder. <c>train.bin</c> and
/// <c>test.bin</c> hold records of 3,074 bytes — the coarse label, the fine label, then 3×32×32
/// pixels channel-major — and <c>coarse_label_names.txt</c> / <c>fine_label_names.txt</c> name the
/// classes, one per line. A file that is not whole records is an error naming it and the record
/// that is cut short.
/// </summary>
public static class Cifar100
{
    /// <summary>The archive's file name, as published.</summary>
    public const string ArchiveFileName = "cifar-100-binary.tar.gz";

    /// <summary>The folder the archive extracts to.</summary>
    public const string FolderName = "cifar-100-binary";

    /// <summary>The official download.</summary>
    public const string OfficialUrl = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz";

    /// <summary>MD5 of the official archive, as published on the CIFAR page.</summary>
    public const string OfficialMd5 = "03b5dce01913d631647c71ecec9e9cb8";

    /// <summary>Bytes in one record: coarse label, fine label, 3072 pixels.</summary>
    public const int RecordBytes = 2 + 3 * 32 * 32;

    /// <summary>
    /// Per-channel mean and std of the training pixels on [0, 1], as widely used for CIFAR-100
    /// (e.g. weiaicunzai/pytorch-cifar100): mean (0.5071, 0.4865, 0.4409), std (0.2673, 0.2564, 0.2762).
    /// </summary>
    public static ImageNormalization Normalization { get; } = new([0.5071f, 0.4865f, 0.4409f], [0.2673f, 0.2564f, 0.2762f]);

    const string TrainFile = "train.bin", TestFile = "test.bin";
    const string CoarseNames = "coarse_label_names.txt", FineNames = "fine_label_names.txt";

    /// <summary>Reads the archive, the extracted folder, or a folder holding either.</summary>
    /// <exception cref="DatasetException">The path holds no CIFAR-100, or a file is malformed.</exception>
    public static Dataset Load(string path, Cifar100Labels labels = Cifar100Labels.Fine)
    {
        var members = new Dictionary<string, (byte[] Bytes, string Where)>(StringComparer.Ordinal);
        if (File.Exists(path)) ReadArchive(path, members);
        else if (Directory.Exists(path))
        {
            var folder = File.Exists(Path.Combine(path, TrainFile)) ? path : Path.Combine(path, FolderName);
            var archive = Path.Combine(path, ArchiveFileName);
            if (!Directory.Exists(folder) && File.Exists(archive)) { ReadArchive(archive, members); path = archive; }
            else
            {
                if (!Directory.Exists(folder))
                    throw new DatasetException($"{path}: no CIFAR-100 here: expected {TrainFile} and {TestFile} in it or in {FolderName}/ under it, or {ArchiveFileName}.");
                foreach (var name in new[] { TrainFile, TestFile, CoarseNames, FineNames })
                {
                    var file = Path.Combine(folder, name);
                    if (!File.Exists(file)) continue;
                    try { members[name] = (File.ReadAllBytes(file), file); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    { throw new DatasetException($"{file}: cannot read the file ({e.Message}).", e); }
                }
                path = folder;
            }
        }
        else throw new DatasetException($"{path}: no such file or folder.");

        foreach (var name in new[] { TrainFile, TestFile })
            if (!members.ContainsKey(name)) throw new DatasetException($"{path}: {FolderName}/{name} is missing.");
        var namesFile = labels == Cifar100Labels.Fine ? FineNames : CoarseNames;
        IReadOnlyList<string>? classNames = members.TryGetValue(namesFile, out var n)
            ? System.Text.Encoding.UTF8.GetString(n.Bytes).Split('\n').Select(s => s.Trim()).Where(s => s.Length > 0).ToArray()
            : null;
        var classes = labels == Cifar100Labels.Fine ? 100 : 20;
        var train = Records(members[TrainFile], labels, classes);
        var test = Records(members[TestFile], labels, classes);
        return new Dataset("cifar100", train, test, classNames, Normalization, AugmentMode.CropFlip, path, []);
    }

    /// <summary>
    /// Resolves the location as <see cref="Cifar10Locator"/> does for CIFAR-10 (the data path, else
    /// the cache folder), downloading the official archive there when absent and allowed.
    /// </summary>
    public static async Task<Dataset> LoadAsync(
        DatasetOptions options, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DataPath is { } given)
        {
            if (!File.Exists(given) && !Directory.Exists(given)) throw new DatasetException($"{given}: no such file or folder (given as the CIFAR-100 location).");
            return Load(given, options.Labels);
        }
        var folder = options.CacheDirectory ?? Cifar10Locator.DefaultCacheDirectory;
        var archive = Path.Combine(folder, ArchiveFileName);
        if (!File.Exists(archive) && !Directory.Exists(Path.Combine(folder, FolderName)))
        {
            var byHand = $"Download {ArchiveFileName} ({OfficialUrl}) and put it at {archive}, or pass --data with its path.";
            if (!options.AllowDownload) throw new DatasetException($"CIFAR-100 not found: looked for {archive}, and downloading is off. {byHand}");
            try
            {
                await FileDownloader.DownloadAsync(OfficialUrl, archive, OfficialMd5, options.Timeout, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException or IOException or UnauthorizedAccessException)
            {
                throw new DatasetException($"CIFAR-100 not found at {archive}, and the download failed ({e.Message}). {byHand}", e);
            }
        }
        return Load(folder, options.Labels);
    }

    static void ReadArchive(string file, Dictionary<string, (byte[] Bytes, string Where)> members)
    {
        try
        {
            using var stream = File.OpenRead(file);
            using var gzip = new GZipStream(stream, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                var name = Path.GetFileName(entry.Name);
                if (name is not (TrainFile or TestFile or CoarseNames or FineNames)) continue;
                var where = $"{file}: member {entry.Name}";
                if (members.ContainsKey(name)) throw new DatasetException($"{where} appears twice.");
                var data = entry.DataStream ?? throw new DatasetException($"{where} has no data.");
                var bytes = new byte[entry.Length];
                var read = data.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
                if (read < bytes.Length) bytes = bytes[..read]; // Records() names the record cut short.
                members[name] = (bytes, where);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new DatasetException($"{file}: the archive is truncated or corrupt ({e.Message}).", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"{file}: cannot read the file ({e.Message}).", e);
        }
    }

    static SampleSet Records((byte[] Bytes, string Where) member, Cifar100Labels kind, int classes)
    {
        var (bytes, where) = member;
        if (bytes.Length == 0 || bytes.Length % RecordBytes != 0)
            throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                $"{where}: {bytes.Length:N0} bytes are not whole records of {RecordBytes:N0}; record {bytes.Length / RecordBytes} is cut short (truncated file?)."));
        var count = bytes.Length / RecordBytes;
        var pixels = new byte[(long)count * (RecordBytes - 2)];
        var labels = new int[count];
        for (var r = 0; r < count; r++)
        {
            var record = bytes.AsSpan(r * RecordBytes, RecordBytes);
            labels[r] = record[kind == Cifar100Labels.Fine ? 1 : 0];
            if (labels[r] >= classes)
                throw new DatasetException($"{where}: record {r} has {kind.ToString().ToLowerInvariant()} label {labels[r]}, outside 0..{classes - 1}.");
            record[2..].CopyTo(pixels.AsSpan(r * (RecordBytes - 2), RecordBytes - 2));
        }
        return SampleSet.FromBytes(pixels, [3, 32, 32], labels);
    }
}
