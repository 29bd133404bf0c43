using Neq.Onnx.Artifacts;
using Neq.Onnx.Data;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Io;
using Neq.Onnx.Tests.Data;
using Neq.Onnx.Training;
using Neq.Samples;
using static Neq.Onnx.Tests.Data.NpyWriter;

namespace Neq.Onnx.Tests.Training;

/// <summary>The trainer on data sets other than CIFAR-10: npz signals, grey images, samples in memory.</summary>
public sealed class DatasetTrainingTests
{
    static TrainerOptions Options(int epochs, int batch = 20) =>
        new(epochs, batch, new LrSchedule(LrScheduleKind.MultiStep, 0.05, [], 0.1, epochs), ValSize: 0.1, Seed: 1, Threads: 1, UseNeq: true,
            new EquilibriumOptions(), EvalBatchSize: 50);

    static ArtifactCompilation Compile(Ir.ModelProto model) =>
        TrainingArtifacts.Compile(model, new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9)));

    /// <summary>Signals whose class is the position of a bump (first, middle or last third), with noise.</summary>
    static (float[] X, long[] Y) Signals(int count, int length, int seed)
    {
        var rng = new Random(seed);
        var (x, y) = (new float[count * length], new long[count]);
        for (var i = 0; i < count; i++)
        {
            y[i] = rng.Next(3);
            for (var t = 0; t < length; t++)
                x[i * length + t] = (t * 3 / length == y[i] ? 1f : 0f) + (float)(rng.NextDouble() - 0.5) * 0.6f;
        }
        return (x, y);
    }

    [Fact]
    public void A_model_of_one_dimensional_signals_trains_on_an_npz_file_with_the_loss_falling()
    {
        using var tmp = new TempFolder();
        const int L = 24;
        var (xTrain, yTrain) = Signals(200, L, 1);
        var (xTest, yTest) = Signals(60, L, 2);
        WriteNpz(tmp["signals.npz"], [("x_train", Npy("<f4", [200, L], F4(xTrain))), ("y_train", Npy("<i8", [200], I8(yTrain))),
            ("x_test", Npy("<f4", [60, L], F4(xTest))), ("y_test", Npy("<i8", [60], I8(yTest)))]);
        var data = Npz.Load(tmp["signals.npz"]);
        Assert.Equal([L], data.Train.Shape);

        // [L] samples into the model's [N,1,L]: InputFit adds the channel axis.
        using var trainer = new NeqTrainer(Compile(SmallModels.SignalCnn(L, 3)), data, Options(4));
        trainer.Run((_, _) => { }, _ => { });
        var h = trainer.History;
        Assert.Equal(4, h.Count);
        Assert.True(h[^1].TrainLoss < 0.5 * h[0].TrainLoss, $"loss {h[0].TrainLoss} → {h[^1].TrainLoss}");
        Assert.True(h[^1].TestTop1 > 80, $"test top-1 {h[^1].TestTop1}"); // chance is 33 %
    }

    [Fact]
    public void Mnist_shaped_images_train_a_32_by_32_model_zero_padded_around_the_centre()
    {
        var rng = new Random(3);
        SampleSet Set(int n)
        {
            var (pixels, labels) = (new byte[n * 784], new int[n]);
            for (var i = 0; i < n; i++)
            {
                labels[i] = rng.Next(10);
                for (var k = 0; k < 784; k++) pixels[i * 784 + k] = (byte)Math.Clamp(20 * labels[i] + rng.Next(-10, 11), 0, 255);
            }
            return SampleSet.FromBytes(pixels, [1, 28, 28], labels);
        }
        var data = new Dataset("mnist", Set(100), Set(30), null, new ImageNormalization([0.1307f], [0.3081f]), AugmentMode.None, "memory", []);
        var compiled = Compile(SmallModels.GreyCnn());
        var fitted = InputFit.Fit(data, NeqTrainer.InputOf(compiled.Artifacts.Manifest));
        Assert.Contains(fitted.Dataset.Notes, n => n.Contains("28×28 images zero-padded to 32×32 around the centre (2 rows above, 2 below, 2 columns left, 2 right)", StringComparison.Ordinal));
        // The padding is pixel 0: the first row of a fitted image is zeros, row 2 is the image's first row.
        Assert.Equal(new byte[32], fitted.Dataset.Train.ByteSample(0)[..32].ToArray());
        Assert.Equal(data.Train.ByteSample(0)[..28].ToArray(), fitted.Dataset.Train.ByteSample(0).Slice(2 * 32 + 2, 28).ToArray());

        using var trainer = new NeqTrainer(compiled, data, Options(1));
        Assert.Equal((90, 10, 30), trainer.Sizes);
        trainer.Run((_, _) => { }, _ => { });
        Assert.True(float.IsFinite((float)trainer.History[0].TrainLoss));
    }

    [Fact]
    public void A_label_outside_the_model_classes_is_an_error_naming_the_record()
    {
        var (x, _) = Signals(10, 24, 3);
        int[] labels = [0, 1, 2, 1, 0, 5, 1, 2, 0, 1];
        var set = SampleSet.FromFloats(x, [24], labels);
        var data = new Dataset("npz", set, set, null, null, AugmentMode.None, "signals.npz", []);
        var e = Assert.Throws<DatasetException>(() => new NeqTrainer(Compile(SmallModels.SignalCnn(24, 3)), data, Options(1)));
        Assert.Equal("signals.npz (training set): record 5 has label 5, outside 0..2 (the model has 3 outputs).", e.Message);
    }

    [Fact]
    public void Float_targets_with_a_cross_entropy_model_are_refused_naming_loss_mse()
    {
        var (x, _) = Signals(10, 24, 3);
        var set = SampleSet.FromFloats(x, [24], new float[10], [1]);
        var data = new Dataset("npz", set, set, null, null, AugmentMode.None, "r.npz", []);
        var e = Assert.Throws<DatasetException>(() => new NeqTrainer(Compile(SmallModels.SignalCnn(24, 3)), data, Options(1)));
        Assert.StartsWith("r.npz: the npz data has float targets (regression), which need --loss mse", e.Message);
    }

    [Fact]
    public void Targets_of_another_width_than_the_regression_output_are_refused_naming_the_file()
    {
        var (x, _) = Signals(10, 24, 3);
        var set = SampleSet.FromFloats(x, [24], new float[20], [2]);
        var data = new Dataset("npz", set, set, null, null, AugmentMode.None, "w.npz", []);
        var compiled = TrainingArtifacts.Compile(SmallModels.SignalCnn(24, 3), new ArtifactOptions(new OptimizerOptions(), LossKind.MeanSquaredError));
        var e = Assert.Throws<DatasetException>(() => new NeqTrainer(compiled, data, Options(1)));
        Assert.StartsWith("w.npz: each target has 2 floats, but the model predicts 3 per sample", e.Message);
    }

    [Fact]
    public void Augmenting_float_samples_is_an_error_naming_the_flag()
    {
        var (x, y) = Signals(10, 24, 3);
        var set = SampleSet.FromFloats(x, [24], y.Select(v => (int)v).ToArray());
        var data = new Dataset("npz", set, set, null, null, AugmentMode.Crop, "s.npz", []);
        var e = Assert.Throws<DatasetException>(() => new NeqTrainer(Compile(SmallModels.SignalCnn(24, 3)), data, Options(1)));
        Assert.StartsWith("s.npz: --augment crop needs byte images", e.Message);
    }

    [Fact]
    public void The_train_from_code_sample_trains_and_saves_infer_onnx()
    {
        using var tmp = new TempFolder();
        var history = TrainFromCode.Run(TrainFromCode.SignalModel(), tmp["out"], samples: 400, epochs: 3);
        Assert.Equal(3, history.Count);
        // Rising vs falling (x_t = ±t/16 + uniform noise of std √3/2): the class means lie
        // 2·√(Σ(t/16)²) = 4.40 apart, 2.5 noise std on each side of the midpoint, so the best
        // linear rule is right 99.4 % of the time; chance is 50 %.
        Assert.True(history[^1].TestTop1 > 90, $"test top-1 {history[^1].TestTop1}");
        var infer = OnnxFile.Load(tmp["out/infer.onnx"]);
        Assert.Equal("logits", infer.Graph.Output[0].Name);
    }
}
