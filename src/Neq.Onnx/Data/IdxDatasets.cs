namespace Neq.Onnx.Data;

/// <summary>
/// MNIST and Fashion-MNIST: their published files and MD5s, and how they are found, downloaded
/// and read. A folder holds the four files, each either gzip-compressed under its official name or
/// decompressed under that name without <c>.gz</c>; they are read as 1×28×28 byte images.
/// </summary>
public static class IdxDatasets
{
    /// <summary>
    /// MNIST. Files and MD5s as published by LeCun et al. (listed by torchvision's MNIST class);
    /// downloaded from the mirror torchvision uses first, since yann.lecun.com often refuses
    /// downloads. Mean 0.1307, std 0.3081: the values of the PyTorch MNIST example.
    /// </summary>
    public static IdxDatasetInfo Mnist { get; } = new(
        "mnist", "https://ossci-datasets.s3.amazonaws.com/mnist/",
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        new([0.1307f], [0.3081f]));

    /// <summary>
    /// Fashion-MNIST (Zalando Research). Files and MD5s as in zalandoresearch/fashion-mnist's
    /// README; downloaded from its S3 site. Mean 0.2860, std 0.3530: computed over the training
    /// pixels (see docs/data.md; a test recomputes them).
    /// </summary>
    public static IdxDatasetInfo FashionMnist { get; } = new(
        "fashion-mnist", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        new([0.2860f], [0.3530f]));

    /// <summary>
    /// Reads the four files of <paramref name="info"/> from <paramref name="folder"/>; a missing
    /// one is an error naming both names it was looked for under.
    /// </summary>
    public static Dataset Load(IdxDatasetInfo info, string folder)
    {
        ArgumentNullException.ThrowIfNull(info);
        var paths = info.Files.Select(f => Find(folder, f.File) ?? throw new DatasetException(
            $"{folder}: {f.File} (or {Path.GetFileNameWithoutExtension(f.File)}) is missing; {info.Name} needs {string.Join(", ", info.Files.Select(x => x.File))}.")).ToArray();
        return new Dataset(info.Name, Idx.ReadSet(paths[0], paths[1]), Idx.ReadSet(paths[2], paths[3]),
            info.ClassNames, info.Normalization, AugmentMode.None, folder, []);
    }

    /// <summary>
    /// Resolves the folder as <see cref="Cifar10Locator"/> does — <see cref="DatasetOptions.DataPath"/>
    /// when given (it must exist), else <c>&lt;cache&gt;/&lt;name&gt;</c> — downloading the files that are
    /// missing there (each checked against its MD5) when allowed, then reads it.
    /// </summary>
    public static async Task<Dataset> LoadAsync(
        IdxDatasetInfo info, DatasetOptions options, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(options);
        string folder;
        if (options.DataPath is { } given)
        {
            if (!Directory.Exists(given)) throw new DatasetException($"{given}: no such folder (given as the {info.Name} location; it should hold {string.Join(", ", info.Files.Select(f => f.File))}).");
            folder = given;
        }
        else folder = Path.Combine(options.CacheDirectory ?? Cifar10Locator.DefaultCacheDirectory, info.Name);

        foreach (var (file, md5) in info.Files)
        {
            if (Find(folder, file) is not null) continue;
            var target = Path.Combine(folder, file);
            var byHand = $"Download {info.BaseUrl}{file} (MD5 {md5}) and put it at {target}, or pass --data with a folder that holds the four files.";
            if (options.DataPath is not null || !options.AllowDownload)
                throw new DatasetException($"{info.Name}: {target} is missing{(options.DataPath is null ? " and downloading is off" : "")}. {byHand}");
            try
            {
                await FileDownloader.DownloadAsync(info.BaseUrl + file, target, md5, options.Timeout, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException or IOException or UnauthorizedAccessException)
            {
                throw new DatasetException($"{info.Name}: {target} is missing and the download failed ({e.Message}). {byHand}", e);
            }
        }
        return Load(info, folder);
    }

    static string? Find(string folder, string gzName)
    {
        var gz = Path.Combine(folder, gzName);
        if (File.Exists(gz)) return gz;
        var plain = Path.Combine(folder, Path.GetFileNameWithoutExtension(gzName));
        return File.Exists(plain) ? plain : null;
    }
}
