using System.Globalization;

namespace Neq.Onnx.Data;

/// <summary>
/// Reads images laid out as torchvision's ImageFolder expects: <c>DIR/train/&lt;class&gt;/*.png|jpg</c>
/// and <c>DIR/test/&lt;class&gt;/…</c>, or class folders directly in DIR. Classes are the training
/// class folders sorted by ordinal name (torchvision sorts them the same way), labels their
/// positions. Each image is decoded by SkiaSharp and resized to the model's (C, H, W). Without a
/// test folder a seeded fraction of the images becomes the test set, and the data set's notes say so.
/// </summary>
public static class ImageFolder
{
    /// <summary>File extensions read as images (case-insensitive); other files are ignored.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp", ".webp"];

    /// <summary>
    /// ImageNet's per-channel mean and std (torchvision's reference recipes), used by default for
    /// RGB folders; grey folders default to mean 0.5, std 0.5.
    /// </summary>
    public static ImageNormalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Reads <see cref="DatasetOptions.DataPath"/> as an image folder.</summary>
    /// <exception cref="DatasetException">No such folder, no classes or images, a corrupt image, or a test class the training set lacks.</exception>
    public static Dataset Load(DatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var root = options.DataPath ?? throw new DatasetException("--dataset folder needs --data with the folder that holds train/<class>/ (and test/<class>/).");
        if (!Directory.Exists(root)) throw new DatasetException($"{root}: no such folder (given as the image folder).");
        var shape = options.ImageShape ?? throw new ArgumentException("ImageShape (the model's C, H, W) is required for the folder data set.", nameof(options));
        if (shape.Count != 3 || shape[0] is not (1 or 3) || shape[1] <= 0 || shape[2] <= 0)
            throw new DatasetException($"{root}: the model's input wants images of {SampleSet.Format(shape)} (C×H×W); image folders give 1 (grey) or 3 (RGB) channels.");

        var trainRoot = Path.Combine(root, "train");
        if (!Directory.Exists(trainRoot)) trainRoot = root;
        var classes = Directory.GetDirectories(trainRoot).Select(Path.GetFileName).OfType<string>()
            .Where(n => !(trainRoot == root && n is "test")).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0) throw new DatasetException($"{trainRoot}: no class folders; expected {Path.Combine(trainRoot, "<class>")}{Path.DirectorySeparatorChar}*.png|jpg.");

        var train = ReadSplit(trainRoot, classes, shape, requireAll: true);
        var testRoot = Path.Combine(root, "test");
        var notes = new List<string>();
        SampleSet test;
        if (Directory.Exists(testRoot))
        {
            var unknown = Directory.GetDirectories(testRoot).Select(Path.GetFileName).OfType<string>().Where(n => Array.IndexOf(classes, n) < 0).ToArray();
            if (unknown.Length > 0)
                throw new DatasetException($"{testRoot}: class folder {unknown[0]} has no training folder in {trainRoot}; the classes are {string.Join(", ", classes)}.");
            test = ReadSplit(testRoot, classes, shape, requireAll: false);
        }
        else
        {
            var split = DataSplit.Create(train.Count, options.TestFraction, options.Seed);
            if (split.Validation.Length == 0)
                throw new DatasetException($"{root}: no test/ folder, and {options.TestFraction:0.##} of {train.Count} images is no test image; add a test/ folder or more images.");
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"{root} has no test/ folder: {split.Validation.Length} of its {train.Count} images ({options.TestFraction:P0}, seed {options.Seed}) are the test set."));
            test = train.Subset(split.Validation);
            train = train.Subset(split.Train);
        }
        var normalization = shape[0] == 3 ? ImageNet : new ImageNormalization([0.5f], [0.5f]);
        return new Dataset("folder", train, test, classes, normalization, AugmentMode.None, root, notes);
    }

    static SampleSet ReadSplit(string folder, string[] classes, IReadOnlyList<int> shape, bool requireAll)
    {
        var files = new List<(string Path, int Label)>();
        for (var c = 0; c < classes.Length; c++)
        {
            var dir = Path.Combine(folder, classes[c]);
            if (!Directory.Exists(dir)) continue;
            var images = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToArray();
            if (images.Length == 0 && requireAll) throw new DatasetException($"{dir}: no images ({string.Join(", ", Extensions)}) in class folder {classes[c]}.");
            files.AddRange(images.Select(f => (f, c)));
        }
        if (files.Count == 0) throw new DatasetException($"{folder}: no images in its class folders.");
        var size = shape[0] * shape[1] * shape[2];
        var pixels = new byte[(long)files.Count * size];
        var labels = files.Select(f => f.Label).ToArray();
        string? failed = null;
        Parallel.For(0, files.Count, (i, state) =>
        {
            byte[]? image;
            try { image = ImageResampler.Decode(files[i].Path, shape[0], shape[1], shape[2]); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { image = null; }
            if (image is null) { Interlocked.CompareExchange(ref failed, files[i].Path, null); state.Stop(); return; }
            image.CopyTo(pixels.AsSpan(i * size, size));
        });
        if (failed is not null) throw new DatasetException($"{failed}: cannot decode the image (corrupt, truncated or not an image).");
        return SampleSet.FromBytes(pixels, [shape[0], shape[1], shape[2]], labels);
    }
}
