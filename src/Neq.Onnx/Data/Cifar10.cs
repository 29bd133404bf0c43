using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;

namespace Neq.Onnx.Data;

/// <summary>
/// Reads CIFAR-10 in its official binary version: the <c>cifar-10-binary.tar.gz</c> archive
/// (streamed through gzip and tar, never extracted to disk) or its extracted
/// <c>cifar-10-batches-bin/</c> folder. Files are checked by structure — every .bin is
/// 30,730,000 bytes (10,000 records of 3,073), every label is 0–9, no member is missing — and any
/// fault is a <see cref="DatasetException"/> naming the file and the problem. No checksum is
/// applied here: a copy the user points at may be a faithful rebuild whose bytes differ from the
/// official archive (see <see cref="Cifar10Locator"/> for the download, which is checked).
/// </summary>
public static class Cifar10
{
    /// <summary>The archive's file name, as published.</summary>
    public const string ArchiveFileName = "cifar-10-binary.tar.gz";

    /// <summary>The folder the archive extracts to.</summary>
    public const string FolderName = "cifar-10-batches-bin";

    /// <summary>The official download.</summary>
    public const string OfficialUrl = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";

    /// <summary>MD5 of the official archive, as published beside it.</summary>
    public const string OfficialMd5 = "c32a1d4ab5d03f1284b67883e8d87530";

    /// <summary>Bytes in one record: a label byte and 3×32×32 pixel bytes.</summary>
    public const int RecordBytes = Cifar10Layout.RecordBytes;

    /// <summary>Size every official .bin file has: 10,000 records.</summary>
    public const long FileBytes = 10_000L * RecordBytes;

    /// <summary>The five training batches, in the order their images are concatenated.</summary>
    public static IReadOnlyList<string> TrainFiles { get; } =
        ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

    /// <summary>The test batch.</summary>
    public const string TestFile = "test_batch.bin";

    /// <summary>Class names by label, as in batches.meta.txt.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>
    /// <paramref name="data"/> as a general <see cref="Dataset"/> (the pixels copied into
    /// <see cref="SampleSet"/>s, which batch to the same bytes as the <see cref="ImageSet"/>s), with
    /// the CIFAR-10 class names, normalisation and crop-flip augmentation.
    /// </summary>
    public static Dataset AsDataset(Cifar10Data data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new Dataset("cifar10", SampleSet.FromImageSet(data.Train), SampleSet.FromImageSet(data.Test),
            ClassNames, ImageNormalization.Cifar10, AugmentMode.CropFlip, data.Source, []);
    }

    /// <summary>
    /// Reads the data set from <paramref name="path"/>: the .tar.gz archive, the extracted
    /// <c>cifar-10-batches-bin</c> folder, or a folder that holds either.
    /// </summary>
    /// <exception cref="DatasetException">The path holds no data set, or a file is malformed.</exception>
    public static Cifar10Data Load(string path) => Load(path, Cifar10Layout.Official);

    /// <summary>
    /// Finds the data set as <paramref name="source"/> says (downloading it when allowed and
    /// absent), then reads it. See <see cref="Cifar10Locator.LocateAsync"/>.
    /// </summary>
    public static async Task<Cifar10Data> LoadAsync(
        Cifar10Source source, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var path = await Cifar10Locator.LocateAsync(source, progress, cancellationToken).ConfigureAwait(false);
        return Load(path);
    }

    internal static Cifar10Data Load(string path, Cifar10Layout layout)
    {
        if (File.Exists(path)) return LoadArchive(path, layout);
        if (Directory.Exists(path))
        {
            var folder = Cifar10Locator.FindBatchFolder(path);
            if (folder is not null) return LoadFolder(folder, layout);
            var archive = Path.Combine(path, ArchiveFileName);
            if (File.Exists(archive)) return LoadArchive(archive, layout);
            throw new DatasetException(
                $"{path}: no CIFAR-10 here: expected {TestFile} and data_batch_1..5.bin in it or in {FolderName}/ under it, or {ArchiveFileName}.");
        }
        throw new DatasetException($"{path}: no such file or folder.");
    }

    static Cifar10Data LoadFolder(string folder, Cifar10Layout layout)
    {
        var train = new Builder(TrainFiles.Count, layout);
        var test = new Builder(1, layout);
        for (var i = 0; i <= TrainFiles.Count; i++)
        {
            var name = i < TrainFiles.Count ? TrainFiles[i] : TestFile;
            var file = Path.Combine(folder, name);
            if (!File.Exists(file)) throw new DatasetException($"{folder}: {name} is missing.");
            try
            {
                using var stream = File.OpenRead(file);
                CheckSize(file, stream.Length, layout);
                (i < TrainFiles.Count ? train : test).Read(stream, i < TrainFiles.Count ? i : 0, file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DatasetException($"{file}: cannot read the file ({e.Message}).", e);
            }
        }
        return new Cifar10Data(train.Build(), test.Build(), folder);
    }

    static Cifar10Data LoadArchive(string file, Cifar10Layout layout)
    {
        var train = new Builder(TrainFiles.Count, layout);
        var test = new Builder(1, layout);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var stream = File.OpenRead(file);
            Span<byte> magic = stackalloc byte[2];
            if (stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false) < 2 || magic[0] != 0x1f || magic[1] != 0x8b)
                throw new DatasetException(
                    $"{file}: not a gzip-compressed tar archive; expected {ArchiveFileName} or the extracted {FolderName} folder.");
            stream.Position = 0;
            using var gzip = new GZipStream(stream, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (seen.Count < TrainFiles.Count + 1 && tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                var name = Path.GetFileName(entry.Name);
                var trainIndex = IndexOf(TrainFiles, name);
                if (trainIndex < 0 && name != TestFile) continue;
                var where = $"{file}: member {entry.Name}";
                if (!seen.Add(name)) throw new DatasetException($"{where} appears twice.");
                CheckSize(where, entry.Length, layout);
                var data = entry.DataStream ?? throw new DatasetException($"{where} has no data.");
                (trainIndex >= 0 ? train : test).Read(data, Math.Max(trainIndex, 0), where);
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
        foreach (var name in TrainFiles.Append(TestFile))
            if (!seen.Contains(name))
                throw new DatasetException($"{file}: member {FolderName}/{name} is missing (is the archive truncated?).");
        return new Cifar10Data(train.Build(), test.Build(), file);
    }

    static void CheckSize(string where, long length, Cifar10Layout layout)
    {
        if (length != layout.FileBytes)
            throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                $"{where}: {length:N0} bytes, expected {layout.FileBytes:N0} ({layout.RecordsPerFile:N0} records of {RecordBytes:N0} bytes)."));
    }

    static int IndexOf(IReadOnlyList<string> list, string item)
    {
        for (var i = 0; i < list.Count; i++)
            if (list[i] == item) return i;
        return -1;
    }

    /// <summary>Splits records into label and pixel arrays, one .bin at a time.</summary>
    sealed class Builder(int files, Cifar10Layout layout)
    {
        readonly byte[] _labels = new byte[files * layout.RecordsPerFile];
        readonly byte[] _pixels = new byte[(long)files * layout.RecordsPerFile * Cifar10Layout.ImageBytes];
        readonly byte[] _record = new byte[RecordBytes];

        public void Read(Stream stream, int fileIndex, string where)
        {
            for (var r = 0; r < layout.RecordsPerFile; r++)
            {
                // A gzip stream that ends early reports end of stream rather than an error.
                if (stream.ReadAtLeast(_record, RecordBytes, throwOnEndOfStream: false) < RecordBytes)
                    throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                        $"{where}: truncated at record {r:N0} of {layout.RecordsPerFile:N0}."));
                var label = _record[0];
                if (label >= Cifar10Layout.Classes)
                    throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                        $"{where}: label {label} at record {r} (counting from 0); labels must be 0–9."));
                var image = fileIndex * layout.RecordsPerFile + r;
                _labels[image] = label;
                _record.AsSpan(1).CopyTo(_pixels.AsSpan(image * Cifar10Layout.ImageBytes, Cifar10Layout.ImageBytes));
            }
        }

        public ImageSet Build() =>
            new(_pixels, _labels, Cifar10Layout.Channels, Cifar10Layout.Height, Cifar10Layout.Width);
    }
}
