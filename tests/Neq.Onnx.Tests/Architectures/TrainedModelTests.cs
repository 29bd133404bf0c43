using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Neq.Onnx.Architectures;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Tests.Cli;
using Neq.Onnx.Tests.Data;

namespace Neq.Onnx.Tests.Architectures;

/// <summary>
/// The trained models in models/ (resnet20-cifar10-trained.onnx is the README's fine-tuning start):
/// the file its provenance describes, weights that fit the --arch build they are loaded into, and
/// (slow) the accuracy the provenance states, measured again on CIFAR-10's test images.
/// </summary>
public sealed class TrainedModelTests
{
    public static TheoryData<int> Depths() => [20, 32];

    static string ModelPath(int depth) => Path.Combine(RepoPaths.Root, "models", $"resnet{depth}-cifar10-trained.onnx");

    static JsonElement Provenance(int depth) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "models", $"resnet{depth}-cifar10-trained.json"))).RootElement;

    [Theory]
    [MemberData(nameof(Depths))]
    public void The_file_is_the_one_its_provenance_describes(int depth)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(ModelPath(depth))));
        Assert.Equal(Provenance(depth).GetProperty("sha256").GetString(), sha);
        Assert.Contains($"--arch resnet{depth}-cifar", Provenance(depth).GetProperty("command").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Depths))]
    public void Its_weights_load_into_the_arch_build_and_replace_its_initial_ones(int depth)
    {
        var fresh = CifarResNet.Build(new CifarResNetOptions(depth, 10));
        var trained = OnnxFile.Load(ModelPath(depth));
        var loaded = InitialWeights.Load(fresh, trained, ModelPath(depth));
        var want = trained.Graph.Initializer.ToDictionary(t => t.Name);
        foreach (var t in loaded.Graph.Initializer.Where(t => want[t.Name].DataType == 1))
            Assert.Equal(want[t.Name].ToFloatArray(), t.ToFloatArray());
        // Trained running variances are no longer the initial ones.
        Assert.NotEqual(fresh.Graph.Initializer.Single(t => t.Name == "bn1.running_var").ToFloatArray(), loaded.Graph.Initializer.Single(t => t.Name == "bn1.running_var").ToFloatArray());
    }

    [SharedCifar10Theory]
    [MemberData(nameof(Depths))]
    [Trait("Category", "Slow")] // evaluates 10,000 images
    public void Its_test_accuracy_is_the_one_its_provenance_states(int depth)
    {
        var (code, output, err) = CliRun.Neq("eval", ModelPath(depth), "--data", RepoPaths.SharedCifar10);
        Assert.True(code == 0, err);
        var top1 = double.Parse(Regex.Match(output, @"top-1 (\d+\.\d+)%").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Provenance(depth).GetProperty("final_test_top1_percent").GetDouble(), top1, 0.05);
    }
}
