using System.Text.Json.Serialization;
using Neq.Onnx.Architectures;

namespace Neq.Train;

/// <summary>What a <c>neq train</c> run trains and on which data (the flags that are not training options).</summary>
/// <param name="Arch">A CIFAR ResNet: resnet20-cifar … resnet110-cifar (used when <paramref name="Model"/> is null).</param>
/// <param name="Model">An ONNX classifier file to train instead of <paramref name="Arch"/>.</param>
/// <param name="Dataset">The dataset (cifar10).</param>
/// <param name="Data">The dataset's archive or folder; null: the cache folder, downloading if absent.</param>
public sealed record RunSource(string Arch = "resnet32-cifar", string? Model = null, string Dataset = "cifar10", string? Data = null)
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
        if (Dataset != "cifar10") throw new ArgumentException($"--dataset {Dataset} is not supported; cifar10 is.");
        if (Model is null) _ = Depth;
    }
}
