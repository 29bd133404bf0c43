using System.CommandLine;
using System.Globalization;
using Neq.CommandLine;
using Neq.Onnx.Data;

namespace Neq.Train;

/// <summary>
/// The data flags <c>neq train</c> and <c>neq eval</c> share, bound to <see cref="RunSource"/>'s
/// data fields (its defaults shown, its <see cref="RunSource.Validate"/> checking them), and the
/// one way both commands read the data those fields name.
/// </summary>
public sealed class DataFlags
{
    static readonly RunSource D = new();

    /// <summary>--dataset.</summary>
    public Option<string> Dataset { get; } = new("--dataset") { Description = $"Data set: {string.Join(", ", DatasetCatalog.Names)}.", DefaultValueFactory = _ => D.Dataset };

    /// <summary>--data.</summary>
    public Option<string?> Data { get; } = new("--data") { Description = "The data set's archive, folder or .npz file (docs/data.md); default for cifar10/cifar100/mnist/fashion-mnist: the cache folder, downloading the official files if absent." };

    /// <summary>--labels.</summary>
    public Option<string> Labels { get; } = new("--labels") { Description = "CIFAR-100 labels: fine (100 classes) or coarse (20).", DefaultValueFactory = _ => FlagNames.Of(FlagNames.Labels, D.Labels) };

    /// <summary>--resize.</summary>
    public Option<bool> Resize { get; } = new("--resize") { Description = "Scale images to the model's input size instead of zero-padding them around the centre." };

    /// <summary>--mean.</summary>
    public Option<string?> Mean { get; } = new("--mean") { Description = "Per-channel mean of byte images on [0,1], comma-separated (default: the data set's)." };

    /// <summary>--std.</summary>
    public Option<string?> Std { get; } = new("--std") { Description = "Per-channel standard deviation, comma-separated (default: the data set's)." };

    /// <summary>--augment.</summary>
    public Option<string?> Augment { get; } = new("--augment") { Description = "Training augmentation: crop-flip, crop or none (default: crop-flip for CIFAR, none otherwise)." };

    /// <summary>The options, to add to a command (<paramref name="training"/>: with --augment).</summary>
    public IEnumerable<Option> All(bool training) =>
        training ? [Dataset, Data, Labels, Resize, Mean, Std, Augment] : [Dataset, Data, Labels, Resize, Mean, Std];

    /// <summary><paramref name="source"/> with the data flags' values.</summary>
    public RunSource Bind(ParseResult p, RunSource source) => source with
    {
        Dataset = p.GetValue(Dataset)!,
        Data = p.GetValue(Data),
        Labels = Parse(FlagNames.Labels, Labels.Name, p.GetValue(Labels)!),
        Resize = p.GetValue(Resize),
        Mean = Floats(Mean.Name, p.GetValue(Mean)),
        Std = Floats(Std.Name, p.GetValue(Std)),
        Augment = p.GetValue(Augment) is { } a ? Parse(FlagNames.Augments, Augment.Name, a) : null,
    };

    /// <summary>
    /// Reads the data <paramref name="source"/> names, with its --mean, --std and --augment, fitted
    /// to <paramref name="input"/> (padded, or scaled with --resize); the notes say what was done.
    /// </summary>
    public static FittedDataset Load(RunSource source, ModelInput input, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        var data = DatasetCatalog.LoadAsync(source.DatasetOptions(ImageShape(input)), progress, ct).GetAwaiter().GetResult();
        return InputFit.Fit(source.Apply(data), input, source.Resize);
    }

    /// <summary>The (C, H, W) of a rank-4 input with fixed sizes (what <c>folder</c> images are decoded to); null otherwise.</summary>
    public static IReadOnlyList<int>? ImageShape(ModelInput input)
    {
        var s = input.Shape;
        if (s.Count != 4 || s.Skip(1).Any(d => d <= 0)) return null;
        return input.Layout == InputLayout.ChannelsLast ? [(int)s[3], (int)s[1], (int)s[2]] : [(int)s[1], (int)s[2], (int)s[3]];
    }

    static T Parse<T>(IReadOnlyDictionary<string, T> names, string flag, string value) =>
        names.TryGetValue(value, out var v) ? v : throw new UsageException($"{flag} must be {string.Join(" or ", names.Keys)}, not '{value}'.");

    static float[]? Floats(string flag, string? text)
    {
        if (text is null) return null;
        try { return text.Split(',', StringSplitOptions.TrimEntries).Select(s => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray(); }
        catch (Exception e) when (e is FormatException or OverflowException) { throw new UsageException($"{flag} must be comma-separated numbers, one per channel, not '{text}'."); }
    }
}
