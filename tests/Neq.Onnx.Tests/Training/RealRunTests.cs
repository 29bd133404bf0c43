using System.Text.Json;
using Neq.Onnx.Tests.Data;
using Xunit.Abstractions;

namespace Neq.Onnx.Tests.Training;

/// <summary>
/// A short real run of <c>neq train</c> on CIFAR-10 from ../shared/data (slow suite): ResNet-32,
/// 5,000 training images, 3 epochs. The run folder must be complete and NEq must freeze neurons
/// after the first epoch.
/// </summary>
[Collection(FullModelTraining.Name)]
public sealed class RealRunTests(ITestOutputHelper output)
{
    [SharedCifar10Fact]
    [Trait("Category", "Slow")]
    public void Short_resnet32_run_writes_a_complete_run_folder_and_freezes_neurons()
    {
        var dir = Directory.CreateTempSubdirectory("neq-real-run-").FullName;
        try
        {
            var (o, e) = (new StringWriter(), new StringWriter());
            // Three epochs at lr 0.1 move every neuron by more than ε = 0.001 (measured: 0 % frozen);
            // a short run that shows the masks at work settles faster: lr 0.02 then 0.002, ε 0.01.
            var code = Neq.Train.Cli.Run(["train", "--data", RepoPaths.SharedCifar10, "--epochs", "3", "--train-size", "5000",
                "--test-size", "2000", "--batch-size", "100", "--lr", "0.02", "--milestones", "1", "--eps", "0.01", "--seed", "1", "--out", dir], o, e);
            output.WriteLine(o.ToString());
            Assert.True(code == 0, e.ToString());

            var lines = File.ReadAllLines(Path.Combine(dir, "metrics.jsonl"));
            Assert.Equal(3, lines.Length);
            var frozen = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("frozenPercent").GetDouble()).ToArray();
            Assert.True(frozen[1] > 0 && frozen[2] > 0, $"frozen % after the first epochs: {string.Join(", ", frozen)}");
            Assert.Equal(4, File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Length);
            foreach (var f in new[] { "run.json", "checkpoint.onnx", "infer.onnx", "summary.md", "frozen_per_layer.csv", "artifacts/manifest.json",
                         "plots/accuracy_frozen.png", "plots/frozen_heatmap.png", "plots/phi.png", "plots/delta_phi.png", "plots/velocity.png" })
                Assert.True(File.Exists(Path.Combine(dir, f)), $"{f} is missing");

            // The deployed model evaluates by itself.
            (o, e) = (new StringWriter(), new StringWriter());
            Assert.Equal(0, Neq.Train.Cli.Run(["eval", Path.Combine(dir, "infer.onnx"), "--data", RepoPaths.SharedCifar10], o, e));
            output.WriteLine(o.ToString());
            Assert.Contains("top-1", o.ToString());
        }
        finally { Directory.Delete(dir, true); }
    }
}
