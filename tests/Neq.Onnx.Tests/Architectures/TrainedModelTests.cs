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
/// models/resnet20-cifar10-trained.onnx, the README's fine-tuning start: the file its provenance
/// describes, weights that fit the --arch build they are loaded into, and (slow) the accuracy the
/// provenance states, measured again on CIFAR-10's test images.
/// </summary>
public sealed class TrainedModelTests
{
    static string ModelPath => Path.Combine(RepoPaths.Root, "models", "resnet20-cifar10-trained.onnx");

    static JsonElement Provenance() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "models", "resnet20-cifar10-trained.json"))).RootElement;

    [Fact]
    public void The_file_is_the_one_its_provenance_describes()
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(ModelPath)));
        Assert.Equal(Provenance().GetProperty("sha256").GetString(), sha);
        Assert.Contains("--arch resnet20-cifar", Provenance().GetProperty("command").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Its_weights_load_into_the_arch_build_and_replace_its_initial_ones()
    {
        var fresh = CifarResNet.Build(new CifarResNetOptions(20, 10));
        var trained = OnnxFile.Load(ModelPath);
        var loaded = InitialWeights.Load(fresh, trained, ModelPath);
        var want = trained.Graph.Initializer.ToDictionary(t => t.Name);
        foreach (var t in loaded.Graph.Initializer.Where(t => want[t.Name].DataType == 1))
            Assert.Equal(want[t.Name].ToFloatArray(), t.ToFloatArray());
        // Trained running variances are no longer the initial ones.
        Assert.NotEqual(fresh.Graph.Initializer.Single(t => t.Name == "bn1.running_var").ToFloatArray(), loaded.Graph.Initializer.Single(t => t.Name == "bn1.running_var").ToFloatArray());
    }

    [SharedCifar10Fact]
    [Trait("Category", "Slow")] // evaluates 10,000 images
    public void Its_test_accuracy_is_the_one_its_provenance_states()
    {
        var (code, output, err) = CliRun.Neq("eval", ModelPath, "--data", RepoPaths.SharedCifar10);
        Assert.True(code == 0, err);
        var top1 = double.Parse(Regex.Match(output, @"top-1 (\d+\.\d+)%").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Provenance().GetProperty("final_test_top1_percent").GetDouble(), top1, 0.05);
    }
}
