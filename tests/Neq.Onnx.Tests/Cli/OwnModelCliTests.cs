using System.Globalization;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Shapes;
using Neq.Onnx.Tests.Data;
using Neq.Onnx.Tests.Training;
using static Neq.Onnx.Tests.Data.NpyWriter;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

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

        // Where memory is measured (Linux), the run reports its peak per phase: the closing line,
        // memory.csv (every phase, in order) and each epoch's peak in metrics.csv.
        Assert.Contains("\nmemory: ", output);
        if (Neq.Onnx.Training.PeakMemory.Measured)
        {
            var phases = File.ReadAllLines(Path.Combine(run, "memory.csv"));
            Assert.Equal("epoch,phase,peak_rss_mib,rss_after_mib", phases[0]);
            Assert.Equal([",data and artifacts", ",data fitted", ",sessions", ",reference", "1,train"], phases.Skip(1).Take(5).Select(l => string.Join(',', l.Split(',').Take(2))));
            Assert.Equal(3 * 7, phases.Count(l => l.Split(',')[0] is "1" or "2" or "3"));
            Assert.All(Column(run, "peak_rss_mib"), mib => Assert.True(mib > 10, $"{mib} MiB"));
            Assert.Contains("| peak resident memory (each phase's highest) | peak ", File.ReadAllText(Path.Combine(run, "summary.md")));
        }

        // neq eval scores the trained model on the same test set: the run's last test loss and accuracy.
        var (evalCode, evalOut, evalErr) = CliRun.Neq("eval", Path.Combine(run, "infer.onnx"), "--dataset", "npz", "--data", tmp["halves.npz"], "--threads", "1");
        Assert.True(evalCode == 0, evalErr);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"loss {Column(run, "test_loss")[^1]:0.0000}, accuracy {Column(run, "test_top1")[^1]:0.00}%"), evalOut);
    }

    const int Features = 6;
    static readonly float[] Slope = [0.8f, -0.5f, 0.3f, 0f, 1.1f, -0.7f];

    /// <summary>y = Slope·x + 0.25 + noise (σ ≈ 0.03), x uniform in [−1, 1]^6.</summary>
    static (float[] X, float[] Y) Linear(int count, int seed)
    {
        var rng = new Random(seed);
        var (x, y) = (new float[count * Features], new float[count]);
        for (var i = 0; i < count; i++)
        {
            double sum = 0.25 + (rng.NextDouble() - 0.5) * 0.1;
            for (var k = 0; k < Features; k++)
            {
                x[i * Features + k] = (float)(rng.NextDouble() * 2 - 1);
                sum += Slope[k] * x[i * Features + k];
            }
            y[i] = (float)sum;
        }
        return (x, y);
    }

    /// <summary>x [N,6] → Gemm 16 → Relu → Gemm 1 → y [N,1], small uniform weights.</summary>
    static Ir.ModelProto Regressor()
    {
        var rng = new Random(4);
        float[] U(int n, double s) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * s)).ToArray();
        var b = new GraphBuilder("regressor");
        b.AddInput("x", new TensorType(DataType.Float, [Dim.Sym("N"), Features]));
        b.AddInitializer(Tensors.Float("fc1.weight", [16, Features], U(16 * Features, 0.4)));
        b.AddInitializer(Tensors.Float("fc1.bias", [16], new float[16]));
        b.AddInitializer(Tensors.Float("fc2.weight", [1, 16], U(16, 0.25)));
        b.AddInitializer(Tensors.Float("fc2.bias", [1], [0f]));
        var h = b.Op("Relu", [b.Op("Gemm", ["x", "fc1.weight", "fc1.bias"], [Attr.Int("transB", 1)], name: "fc1")], name: "relu");
        b.Op("Gemm", [h, "fc2.weight", "fc2.bias"], [Attr.Int("transB", 1)], output: "y", name: "fc2");
        b.AddOutput("y", new TensorType(DataType.Float, [Dim.Sym("N"), 1]));
        return OnnxModel.Create(b.Graph);
    }

    [Fact]
    public void Loss_mse_trains_a_regression_on_float_npz_targets_with_rmse_columns()
    {
        using var tmp = new TempFolder();
        var (xTrain, yTrain) = Linear(300, 1);
        var (xTest, yTest) = Linear(100, 2);
        WriteNpz(tmp["linear.npz"], [("x_train", Npy("<f4", [300, Features], F4(xTrain))), ("y_train", Npy("<f4", [300], F4(yTrain))),
            ("x_test", Npy("<f4", [100, Features], F4(xTest))), ("y_test", Npy("<f4", [100], F4(yTest)))]);
        OnnxFile.Save(Regressor(), tmp["regressor.onnx"]);
        var run = tmp["run"];
        var (code, output, err) = CliRun.Neq("train", "--model", tmp["regressor.onnx"], "--loss", "mse", "--dataset", "npz", "--data", tmp["linear.npz"],
            "--out", run, "--epochs", "4", "--batch-size", "20", "--val-size", "0.1", "--threads", "1", "--lr", "0.05");
        Assert.True(code == 0, err + output);
        Assert.StartsWith("epoch,lr,train_loss,train_rmse,val_loss,val_rmse,test_loss,test_rmse,", File.ReadAllLines(Path.Combine(run, "metrics.csv"))[0]);
        Assert.DoesNotContain("top1", output, StringComparison.Ordinal);
        Assert.Contains(" rmse ", output, StringComparison.Ordinal);
        var loss = Column(run, "train_loss");
        var rmse = Column(run, "test_rmse");
        Assert.True(loss[^1] < 0.3 * loss[0], $"train loss {string.Join(", ", loss)}");
        Assert.Equal(Math.Sqrt(Column(run, "test_loss")[^1]), rmse[^1], 9);
        // The targets' own spread (their standard deviation) is what predicting the mean would score.
        double mean = yTest.Average(), spread = Math.Sqrt(yTest.Average(v => (v - mean) * (v - mean)));
        Assert.True(rmse[^1] < 0.5 * spread, $"test RMSE {rmse[^1]} vs the targets' spread {spread}");

        var (evalCode, evalOut, evalErr) = CliRun.Neq("eval", Path.Combine(run, "infer.onnx"), "--dataset", "npz", "--data", tmp["linear.npz"], "--threads", "1");
        Assert.True(evalCode == 0, evalErr);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"test (100 samples): loss (MSE) {Column(run, "test_loss")[^1]:0.0000}, RMSE {rmse[^1]:0.0000}"), evalOut);
    }

    [Fact]
    public void Loss_mse_on_class_labels_is_one_error_naming_the_file()
    {
        using var tmp = new TempFolder();
        var (x, y) = Halves(20, 3);
        WriteNpz(tmp["labels.npz"], [("x_train", Npy("<f4", [20, L], F4(x))), ("y_train", Npy("<i8", [20], I8(y))),
            ("x_test", Npy("<f4", [20, L], F4(x))), ("y_test", Npy("<i8", [20], I8(y)))]);
        OnnxFile.Save(SmallModels.SignalCnn(L, 2), tmp["m.onnx"]);
        var (code, _, err) = CliRun.Neq("train", "--model", tmp["m.onnx"], "--loss", "mse", "--dataset", "npz", "--data", tmp["labels.npz"], "--out", tmp["run"], "--epochs", "1");
        Assert.Equal(1, code);
        Assert.Contains("labels.npz", err, StringComparison.Ordinal);
        Assert.Contains("float targets", err, StringComparison.Ordinal);
    }
}
