using System.Text.Json.Serialization;
using Neq.Onnx.Architectures;
using Neq.Onnx.Data;

namespace Neq.Train;

/// <summary>What a <c>neq train</c> run trains and on which data (the flags that are not training options).</summary>
/// <param name="Arch">A CIFAR ResNet: resnet20-cifar … resnet110-cifar (used when <paramref name="Model"/> is null), with the data's class count.</param>
/// <param name="Model">An ONNX classifier file to train instead of <paramref name="Arch"/>.</param>
/// <param name="Dataset">The data set: one of <see cref="DatasetCatalog.Names"/>.</param>
/// <param name="Data">The data set's file or folder; null: the cache folder, downloading if absent (built-in data sets only).</param>
/// <param name="Labels">CIFAR-100's labels (<c>--labels fine|coarse</c>).</param>
/// <param name="Resize">Scale images to the model's input instead of zero-padding them around the centre (<c>--resize</c>).</param>
/// <param name="Mean">Per-channel mean of byte images on [0, 1] (<c>--mean</c>); null: the data set's default.</param>
/// <param name="Std">Per-channel standard deviation (<c>--std</c>); null: the data set's default.</param>
/// <param name="Augment">Training augmentation (<c>--augment</c>); null: the data set's default (crop-flip for CIFAR, none otherwise).</param>
/// <param name="Output">The <paramref name="Model"/>'s output to train (<c>--output</c>: logits, or probabilities after a trailing Softmax/LogSoftmax/Sigmoid); null: its only float output.</param>
/// <param name="Loss">The loss (<c>--loss</c>): "ce" for class labels (binary cross-entropy after a one-column Sigmoid), "mse" for float targets (regression, <paramref name="Model"/> only).</param>
/// <param name="Init">
/// Start from these weights (<c>--init</c>): an ONNX model of the same architecture, or a run folder
/// (its infer.onnx); every float initializer is loaded by name, strictly (<see cref="Neq.Onnx.Io.InitialWeights"/>).
/// Null: the model's own initial values.
/// </param>
/// <param name="InputSize">
/// <c>--input-size HxW</c>: the height and width to train a <paramref name="Model"/> whose image input
/// has a symbolic spatial size at (<see cref="Neq.Onnx.Data.InputSize"/>); null: the model's own.
/// </param>
public sealed record RunSource(
    string Arch = "resnet32-cifar",
    string? Model = null,
    string Dataset = "cifar10",
    string? Data = null,
    Cifar100Labels Labels = Cifar100Labels.Fine,
    bool Resize = false,
    IReadOnlyList<float>? Mean = null,
    IReadOnlyList<float>? Std = null,
    AugmentMode? Augment = null,
    string? Output = null,
    string Loss = "ce",
    string? Init = null,
    string? InputSize = null)
{
    /// <summary>The depth of <see cref="Arch"/>; throws <see cref="ArgumentException"/> naming --arch when it is not a CIFAR ResNet.</summary>
    [JsonIgnore]
    public int Depth =>
        Arch.StartsWith("resnet", StringComparison.Ordinal) && Arch.EndsWith("-cifar", StringComparison.Ordinal)
        && int.TryParse(Arch["resnet".Length..^"-cifar".Length], out var depth) && CifarResNet.IsValidDepth(depth) ? depth
        : throw new ArgumentException($"--arch {Arch} is not one of resnet20-cifar, resnet32-cifar, resnet44-cifar, resnet56-cifar, resnet110-cifar.");

    /// <summary>Throws <see cref="ArgumentException"/> naming the flag when a value is impossible.</summary>
    public void Validate()
    {
        if (!DatasetCatalog.Names.Contains(Dataset))
            throw new ArgumentException($"--dataset {Dataset}: unknown data set; known: {string.Join(", ", DatasetCatalog.Names)}.");
        if (Dataset is "folder" or "npz" && Data is null)
            throw new ArgumentException($"--dataset {Dataset} needs --data ({(Dataset == "npz" ? "the .npz file" : "the image folder")}).");
        if (Labels != Cifar100Labels.Fine && Dataset != "cifar100")
            throw new ArgumentException($"--labels {FlagNames.Of(FlagNames.Labels, Labels)} applies to --dataset cifar100 only.");
        if (Mean is { } mean && mean.Any(m => !float.IsFinite(m)))
            throw new ArgumentException("--mean must be finite numbers, one per channel.");
        if (Std is { } std && std.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new ArgumentException("--std must be positive numbers, one per channel.");
        if (Mean is not null && Std is not null && Mean.Count != Std.Count)
            throw new ArgumentException($"--mean has {Mean.Count} values and --std {Std.Count}; give one per channel in each.");
        if (Output is not null && Model is null)
            throw new ArgumentException("--output names an output of the --model file; the --arch ResNets have one.");
        if (Init is { } init && !File.Exists(init) && !File.Exists(Path.Combine(init, "infer.onnx")))
            throw new ArgumentException(Directory.Exists(init)
                ? $"--init {init}: a folder without infer.onnx; --init takes an ONNX model or a finished run folder."
                : $"--init {init}: no such file or folder.");
        if (!FlagNames.Losses.ContainsKey(Loss))
            throw new ArgumentException($"--loss must be {string.Join(" or ", FlagNames.Losses.Keys)}, not '{Loss}'.");
        if (Loss == "mse" && Model is null)
            throw new ArgumentException("--loss mse trains a regression --model; the --arch ResNets are classifiers.");
        if (InputSize is { } size)
        {
            _ = Neq.Onnx.Data.InputSize.Parse(size);
            if (Model is null) throw new ArgumentException($"--input-size {size} applies to a --model whose input has a symbolic height and width; the --arch ResNets take 32x32.");
        }
        if (Model is null) _ = Depth;
    }

    /// <summary>The ONNX file <see cref="Init"/> names (a run folder's infer.onnx for a folder); null without --init.</summary>
    [JsonIgnore]
    public string? InitFile => Init is null ? null : File.Exists(Init) ? Init : Path.Combine(Init, "infer.onnx");

    /// <summary>What <see cref="DatasetCatalog.LoadAsync"/> reads; <paramref name="imageShape"/> is the model's (C, H, W), which <c>folder</c> images are decoded to.</summary>
    public DatasetOptions DatasetOptions(IReadOnlyList<int>? imageShape) => new()
    {
        Name = Dataset, DataPath = Data, Labels = Labels, ImageShape = imageShape,
    };

    /// <summary>
    /// <paramref name="data"/> with this source's --mean, --std and --augment in place of its
    /// defaults; one error naming the flag when the samples cannot take them.
    /// </summary>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (Augment is { } augment) data = data with { Augment = augment };
        if (Mean is null && Std is null) return data;
        if (data.Train.Element != SampleElement.Byte)
            throw new DatasetException($"--mean/--std normalise byte images; the {data.Name} samples ({data.Source}) are float32 and are used as they are.");
        var channels = data.Train.Shape.Count == 3 ? data.Train.Shape[0] : 1;
        var baseline = data.Normalization ?? new ImageNormalization(Enumerable.Repeat(0f, channels).ToArray(), Enumerable.Repeat(1f, channels).ToArray());
        var mean = Mean ?? baseline.Mean;
        var std = Std ?? baseline.Std;
        if (mean.Count != channels || std.Count != channels)
            throw new DatasetException($"--mean/--std need {channels} value{(channels == 1 ? "" : "s")} (one per channel of the {data.Name} images); got {mean.Count} and {std.Count}.");
        return data with { Normalization = new ImageNormalization(mean, std) };
    }
}
