using System.Globalization;
using Neq.Onnx.Io;
using Neq.Onnx.Tests.Data;
using Neq.Onnx.Tests.Training;
using Neq.Train;
using Xunit.Abstractions;

namespace Neq.Onnx.Tests.Cli;

/// <summary><c>neq train</c> on the real MNIST files: a small CNN learns digits in one epoch.</summary>
[Collection(FullModelTraining.Name)]
public sealed class MnistTrainingTests(ITestOutputHelper log)
{
    [SharedDataFact("mnist")]
    [Trait("Category", "Slow")] // reads all 70,000 images and evaluates the 10,000 test images
    public void A_small_cnn_learns_mnist_in_one_epoch_on_three_thousand_images()
    {
        using var tmp = new TempFolder();
        var model = tmp["grey-cnn.onnx"];
        OnnxFile.Save(SmallModels.GreyCnn(), model);
        var run = tmp["run"];
        var (code, output, err) = CliRun.Neq("train", "--model", model, "--dataset", "mnist", "--data", RepoPaths.SharedData("mnist"),
            "--epochs", "1", "--train-size", "3000", "--batch-size", "50", "--lr", "0.05", "--out", run);
        log.WriteLine(output);
        Assert.True(code == 0, err);
        Assert.Contains("note: mnist: 28×28 images zero-padded to 32×32", output);
        var last = RunHistory.ReadMetrics(Path.Combine(run, RunHistory.MetricsFile))[^1];
        // Chance is 10 %; one epoch on 3,000 digits reaches well above 80 % with this CNN.
        Assert.True(last.TestTop1 > 80, string.Create(CultureInfo.InvariantCulture, $"test top-1 {last.TestTop1} %"));
    }
}
