namespace Neq.Onnx.Data;

/// <summary>
/// The data sets <c>--dataset</c> names, and one entry point that reads any of them:
/// <c>cifar10</c>, <c>cifar100</c>, <c>mnist</c>, <c>fashion-mnist</c> (found in the data path or
/// the cache, downloaded and MD5-checked when absent), <c>folder</c> and <c>npz</c> (from the data path).
/// </summary>
public static class DatasetCatalog
{
    /// <summary>Every name <see cref="LoadAsync"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cifar10", "cifar100", "mnist", "fashion-mnist", "folder", Npz.Name];

    /// <summary>The default augmentation of each data set: crop-flip for CIFAR, none otherwise.</summary>
    public static AugmentMode DefaultAugment(string name) => name is "cifar10" or "cifar100" ? AugmentMode.CropFlip : AugmentMode.None;

    /// <summary>Reads the data set <paramref name="options"/> names.</summary>
    /// <exception cref="DatasetException">An unknown name, a missing data path, or any reader's error.</exception>
    public static async Task<Dataset> LoadAsync(
        DatasetOptions options, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        switch (options.Name)
        {
            case "cifar10":
            {
                var source = new Cifar10Source
                {
                    DataPath = options.DataPath, CacheDirectory = options.CacheDirectory,
                    AllowDownload = options.AllowDownload, Timeout = options.Timeout,
                };
                var data = await Cifar10.LoadAsync(source, progress, cancellationToken).ConfigureAwait(false);
                return Cifar10.AsDataset(data);
            }
            case "cifar100":
                return await Cifar100.LoadAsync(options, progress, cancellationToken).ConfigureAwait(false);
            case "mnist":
                return await IdxDatasets.LoadAsync(IdxDatasets.Mnist, options, progress, cancellationToken).ConfigureAwait(false);
            case "fashion-mnist":
                return await IdxDatasets.LoadAsync(IdxDatasets.FashionMnist, options, progress, cancellationToken).ConfigureAwait(false);
            case "folder":
                return ImageFolder.Load(options);
            case Npz.Name:
                return Npz.Load(options.DataPath ?? throw new DatasetException("--dataset npz needs --data with the .npz file (x_train, y_train, x_test, y_test)."));
            default:
                throw new DatasetException($"--dataset {options.Name}: unknown data set; known: {string.Join(", ", Names)}.");
        }
    }

    /// <summary>
    /// Writes the class names, one per line in label order, to <c>classes.txt</c> in
    /// <paramref name="folder"/> (the run folder); nothing when the data set names none.
    /// </summary>
    public static void WriteClassNames(Dataset dataset, string folder)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.ClassNames is not { } names) return;
        File.WriteAllLines(Path.Combine(folder, "classes.txt"), names);
    }
}
