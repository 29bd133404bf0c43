using System.Globalization;
using Neq.Onnx.Io;
using Neq.Onnx.Tests.Data;
using Neq.Onnx.Tests.Training;
using static Neq.Onnx.Tests.Data.NpyWriter;

namespace Neq.Onnx.Tests.Cli;

/// <summary><c>neq train --model</c> on the outputs people's models have: a binary Sigmoid classifier, a regression.</summary>
public sealed class OwnModelCliTests
{
    const int L = 16;

    /// <summary>Signals whose class is 1 when the bump is in the second half, with noise.</summary>
    static (float[] X, long[] Y) Halves(int count, int seed)
    {
        var rng = new Random(seed);
        var (x, y) = (new float[count * L], new long[count]);
        for (var i = 0; i < count; i++)
        {
            y[i] = rng.Next(2);
            for (var t = 0; t < L; t++)
                x[i * L + t] = (t * 2 / L == y[i] ? 1f : 0f) + (float)(rng.NextDouble() - 0.5) * 0.6f;
        }
        return (x, y);
    }

    /// <summary>metrics.csv's column <paramref name="name"/>, one value per epoch.</summary>
    static double[] Column(string run, string name)
    {
        var lines = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        int k = Array.IndexOf(lines[0].Split(','), name);
        Assert.True(k >= 0, $"metrics.csv has no column {name}: {lines[0]}");
        return lines.Skip(1).Select(l => double.Parse(l.Split(',')[k], CultureInfo.InvariantCulture)).ToArray();
    }

    [Fact]
    public void A_binary_sigmoid_model_trains_on_two_class_npz_data_with_the_loss_falling()
    {
        using var tmp = new TempFolder();
        var (xTrain, yTrain) = Halves(200, 1);
        var (xTest, yTest) = Halves(60, 2);
        WriteNpz(tmp["halves.npz"], [("x_train", Npy("<f4", [200, L], F4(xTrain))), ("y_train", Npy("<i8", [200], I8(yTrain))),
            ("x_test", Npy("<f4", [60, L], F4(xTest))), ("y_test", Npy("<i8", [60], I8(yTest)))]);
        OnnxFile.Save(SmallModels.BinarySignalCnn(L), tmp["binary.onnx"]);
        var run = tmp["run"];
        var (code, output, err) = CliRun.Neq("train", "--model", tmp["binary.onnx"], "--dataset", "npz", "--data", tmp["halves.npz"], "--out", run,
            "--epochs", "3", "--batch-size", "20", "--val-size", "0.1", "--threads", "1", "--lr", "0.05");
        Assert.True(code == 0, err + output);
        Assert.Equal("bce", System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "artifacts", "manifest.json"))).RootElement.GetProperty("loss").GetString());
        var loss = Column(run, "train_loss");
        Assert.True(loss[^1] < 0.7 * loss[0], $"train loss {string.Join(", ", loss)}");
        Assert.True(Column(run, "test_top1")[^1] > 80, output); // chance is 50 %
    }
}
