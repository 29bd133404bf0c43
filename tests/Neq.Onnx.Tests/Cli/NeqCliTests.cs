using Neq.Onnx.Artifacts;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using Neq.Onnx.Tests.Data;
using Neq.Onnx.Training;
using Neq.Train;

namespace Neq.Onnx.Tests.Cli;

/// <summary><c>neq</c>'s exit codes and its one-line errors for bad flags, files and data.</summary>
public sealed class NeqCliTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Neq(args);

    [Theory]
    [InlineData("--eps", "-0.1", "--eps")]
    [InlineData("--velocity-mu", "0.7", "--velocity-mu")]
    [InlineData("--val-size", "1", "--val-size")]
    [InlineData("--optim", "rmsprop", "--optim")]
    [InlineData("--velocity-rule", "code", "--velocity-rule")]
    [InlineData("--arch", "resnet33-cifar", "--arch")]
    [InlineData("--no-such-flag", "1", "no-such-flag")]
    public void Impossible_values_are_usage_errors_naming_the_flag(string flag, string value, string named)
    {
        var (code, _, err) = Run("train", flag, value, "--data", "/nonexistent/cifar");
        Assert.Equal(2, code);
        Assert.Contains(named, err);
        Assert.DoesNotContain("   at ", err); // no stack trace
    }

    [Fact]
    public void Help_exits_zero()
    {
        Assert.Equal(0, Run("--help").Code);
        var (code, output, _) = Run("train", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--velocity-rule", output);
        Assert.Contains("--no-specialize", output);
    }

    [Fact]
    public void A_missing_dataset_is_one_error_naming_the_path()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"neq-no-data-{Guid.NewGuid():N}", "cifar-10-binary.tar.gz");
        var (code, _, err) = Run("train", "--data", missing, "--epochs", "1", "--out", Path.Combine(Path.GetTempPath(), $"neq-run-{Guid.NewGuid():N}"));
        Assert.Equal(1, code);
        Assert.Contains(missing, err);
        Assert.Single(err.Trim().Split('\n'));
    }

    /// <summary>
    /// A CIFAR-10 folder in the official layout (10,000 records per file, as the reader demands) of
    /// synthetic records, written once per test run; it lets the CLI get past loading the data.
    /// </summary>
    static readonly Lazy<string> FullSizeSyntheticCifar = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), $"neq-cli-tests-cifar-{Environment.ProcessId}");
        SyntheticCifar.WriteFolder(folder, records: 10_000);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(folder, true); } catch (IOException) { } };
        return folder;
    });

    /// <summary>A [N,3,32,32] → [N,<paramref name="classes"/>] classifier: Flatten, then a Gemm with small weights and no bias.</summary>
    static string WriteLinearModel(string path, int classes)
    {
        var b = new GraphBuilder("g");
        b.AddInput("x", new TensorType(TensorProto.Types.DataType.Float, [Dim.Sym("N"), 3, 32, 32]));
        var rng = new Random(1);
        b.AddInitializer(Tensors.Float("w", [classes, 3072], Enumerable.Range(0, classes * 3072).Select(_ => (float)(rng.NextDouble() - 0.5) * 1e-3f).ToArray()));
        var flat = b.Op("Flatten", ["x"]);
        b.Op("Gemm", [flat, "w"], [Attr.Int("transB", 1)], output: "y");
        b.AddOutput("y", new TensorType(TensorProto.Types.DataType.Float, [Dim.Sym("N"), classes]));
        OnnxFile.Save(OnnxModel.Create(b.Graph), path);
        return path;
    }

    [Fact]
    public void Eval_takes_any_class_count_and_then_names_the_missing_data()
    {
        // A [N,3,32,32] → [N,7] model is a 7-class classifier: eval accepts it and goes on to the data.
        using var tmp = new TempFolder();
        var path = WriteLinearModel(tmp["m.onnx"], classes: 7);
        var (code, _, err) = Run("eval", path, "--data", tmp["no-data"]);
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("no-data", err);
    }

    [Fact]
    public void Resuming_a_folder_without_run_json_is_one_error_naming_the_folder()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"neq-no-run-{Guid.NewGuid():N}");
        var (code, _, err) = Run("train", "--resume", missing);
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith($"error: {missing}: no run folder (run.json missing)", err);
    }

    [Fact]
    public void An_out_path_that_is_a_file_is_one_error_naming_the_file()
    {
        using var tmp = new TempFolder();
        var file = tmp["taken"];
        File.WriteAllText(file, "not a folder");
        var (code, _, err) = Run("train", "--out", file, "--data", tmp["no-data"]);
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith($"error: {file}: a file, not a folder", err);
        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Fact]
    [Trait("Category", "Slow")] // writes and reads a full-size (184 MB) synthetic CIFAR-10
    public void Run_json_holds_the_flags_as_typed_records_and_resume_reads_them_back()
    {
        using var tmp = new TempFolder();
        var model = WriteLinearModel(tmp["m.onnx"], classes: 10);
        var data = FullSizeSyntheticCifar.Value;
        var run = tmp["run"];
        var (code, output, err) = Run("train", "--model", model, "--data", data, "--out", run, "--epochs", "2", "--batch-size", "10",
            "--train-size", "30", "--test-size", "10", "--eval-batch-size", "7", "--optim", "adam", "--lr", "0.002", "--weight-decay", "0.01",
            "--schedule", "cosine", "--eps", "0.02", "--velocity-mu", "0.25", "--velocity-rule", "reference-code", "--pinning",
            "--val-size", "0.1", "--seed", "3", "--threads", "1", "--no-specialize");
        Assert.True(code == 0, err);
        Assert.Contains("epoch   2", output); // epochs count from 1

        var config = RunConfig.FromFile(Path.Combine(run, "run.json"));
        Assert.Equal(new RunSource(RunConfig.Defaults.Source.Arch, model, "cifar10", data), config.Source);
        Assert.Equal(new OptimizerOptions(OptimizerKind.Adam, WeightDecay: 0.01), config.Optimizer);
        var t = config.Trainer;
        Assert.Equal((2, 10, 0.1, 3UL, 1, true, "cpu", 30, 10, 7, false),
            (t.Epochs, t.BatchSize, t.ValSize, t.Seed, t.Threads, t.UseNeq, t.Device, t.TrainLimit, t.TestLimit, t.EvalBatchSize, t.Specialize));
        Assert.Equal((LrScheduleKind.Cosine, 0.002, 2), (t.Schedule.Kind, t.Schedule.BaseLr, t.Schedule.Epochs));
        Assert.Equal(RunConfig.Defaults.Trainer.Schedule.Milestones, t.Schedule.Milestones);
        Assert.Equal(new EquilibriumOptions(0.02, 0.25, VelocityRule.ReferenceCode, Pinning: true), t.Equilibrium);
        Assert.Equal(config.ToJson(), RunConfig.FromJson(config.ToJson(), "again").ToJson());

        // Resuming the finished run reads run.json and the checkpoint: nothing is left to train.
        var (resumed, resumedOut, resumedErr) = Run("train", "--resume", run);
        Assert.True(resumed == 0, resumedErr);
        Assert.Contains("resuming after epoch 2", resumedOut);
        Assert.DoesNotContain("epoch   3", resumedOut);
    }

    [Fact]
    public void Defaults_of_the_flags_are_the_records_defaults()
    {
        var (code, output, _) = Run("train", "--help");
        Assert.Equal(0, code);
        var d = RunConfig.Defaults;
        Assert.Equal(new EquilibriumOptions(), d.Trainer.Equilibrium);
        // The help text wraps, so the values are looked for, not their lines.
        foreach (var value in new[] { "0.001", "250", "0.5", "100,150", "0.01", "resnet32-cifar", "multistep", "paper" })
            Assert.Contains($"[default: {value}]", output);
    }

    [Fact]
    public void Run_json_round_trips_every_record()
    {
        var d = RunConfig.Defaults;
        var config = new RunConfig(new RunSource("resnet56-cifar", "m.onnx", "cifar10", "/data"),
            new OptimizerOptions(OptimizerKind.Adam, WeightDecay: 0.01, Beta2: 0.99),
            new TrainerOptions(7, 64, new LrSchedule(LrScheduleKind.Cosine, 0.003, [2, 5], 0.5, 7), 0.05, 11, 2, false,
                new EquilibriumOptions(0.02, 0.25, VelocityRule.ReferenceCode, true, ActivationPrecision.Single), "cuda", 100, 50, 250, false));
        var json = config.ToJson();
        var back = RunConfig.FromJson(json, "run.json");
        Assert.Equal(json, back.ToJson());
        Assert.Equal(config.Source, back.Source);
        Assert.Equal(config.Optimizer, back.Optimizer);
        Assert.Equal(config.Trainer.Equilibrium, back.Trainer.Equilibrium);
        Assert.Equal(config.Trainer with { Schedule = d.Trainer.Schedule }, back.Trainer with { Schedule = d.Trainer.Schedule });
        Assert.Equal([2, 5], back.Trainer.Schedule.Milestones);
        Assert.Equal(config.Trainer.Schedule with { Milestones = [] }, back.Trainer.Schedule with { Milestones = [] });
        Assert.Contains("\"kind\": \"cosine\"", json);
        Assert.Contains("\"velocity-rule\": \"reference-code\"", json);
        Assert.DoesNotContain("depth", json); // derived from the arch, not a setting
    }

    [Fact]
    public void A_damaged_or_old_run_json_is_one_error_naming_the_file()
    {
        var e = Assert.Throws<InvalidDataException>(() => RunConfig.FromJson("""{ "optim": "sgd", "lr": 0.1 }""", "/r/run.json"));
        Assert.StartsWith("/r/run.json: ", e.Message);
        Assert.StartsWith("/r/run.json: ", Assert.Throws<InvalidDataException>(() => RunConfig.FromJson("{", "/r/run.json")).Message);
    }
}
