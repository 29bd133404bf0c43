using Neq.CommandLine;
using System.CommandLine;
using Neq.Onnx.Architectures;
using Neq.Onnx.Checking;
using Neq.Onnx.Data;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Training;
using Neq.Onnx.Artifacts;

namespace Neq.Train.Commands;

/// <summary><c>neq train</c>: trains a CIFAR ResNet (or any ONNX classifier) with NEq, or the baseline with --no-neq.</summary>
public sealed class TrainCommand : Command
{
    readonly Option<string> _arch = new("--arch") { Description = "resnet20-cifar, resnet32-cifar, resnet44-cifar, resnet56-cifar or resnet110-cifar.", DefaultValueFactory = _ => "resnet32-cifar" };
    readonly Option<string?> _model = new("--model") { Description = "Train this ONNX classifier ([N,3,32,32] → [N,10]) instead of --arch." };
    readonly Option<string> _dataset = new("--dataset") { Description = "Dataset (cifar10).", DefaultValueFactory = _ => "cifar10" };
    readonly Option<string?> _data = new("--data") { Description = "cifar-10-binary.tar.gz or its extracted folder; default: the cache folder, downloading the official archive if absent." };
    readonly Option<int> _epochs = new("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 250 };
    readonly Option<int> _batch = new("--batch-size") { Description = "Training batch size.", DefaultValueFactory = _ => 100 };
    readonly Option<double?> _lr = new("--lr") { Description = "Learning rate (default 0.1 for sgd, 0.001 for adam)." };
    readonly Option<double> _momentum = new("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => 0.9 };
    readonly Option<bool> _nesterov = new("--nesterov") { Description = "Nesterov momentum (sgd)." };
    readonly Option<double> _wd = new("--weight-decay") { Description = "Weight decay (L2, as the reference).", DefaultValueFactory = _ => 5e-4 };
    readonly Option<string> _optim = new("--optim") { Description = "sgd or adam.", DefaultValueFactory = _ => "sgd" };
    readonly Option<string> _schedule = new("--schedule") { Description = "multistep or cosine.", DefaultValueFactory = _ => "multistep" };
    readonly Option<string> _milestones = new("--milestones") { Description = "Epochs where the multistep schedule multiplies the lr by --gamma.", DefaultValueFactory = _ => "100,150" };
    readonly Option<double> _gamma = new("--gamma") { Description = "Multistep factor.", DefaultValueFactory = _ => 0.1 };
    readonly Option<double> _eps = new("--eps") { Description = "Equilibrium threshold ε on |velocity|.", DefaultValueFactory = _ => 0.001 };
    readonly Option<double> _mu = new("--velocity-mu") { Description = "Velocity momentum μ in [0, 0.5].", DefaultValueFactory = _ => 0.5 };
    readonly Option<string> _rule = new("--velocity-rule") { Description = "paper (v = Δφ − μ·v) or reference-code (v = μ·v + Δφ − Δφ_prev).", DefaultValueFactory = _ => "paper" };
    readonly Option<bool> _pinning = new("--pinning") { Description = "Keep frozen neurons frozen (the union of all masks so far)." };
    readonly Option<double> _valSize = new("--val-size") { Description = "Fraction of the training set held out for NEq, in [0, 1).", DefaultValueFactory = _ => 0.01 };
    readonly Option<ulong> _seed = new("--seed") { Description = "Seed of the split, shuffle, augmentation (and the ResNet's initialisation).", DefaultValueFactory = _ => 0UL };
    readonly Option<int> _threads = new("--threads") { Description = "ONNX Runtime threads (0: all cores).", DefaultValueFactory = _ => 0 };
    readonly Option<string> _device = new("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
    readonly Option<bool> _noNeq = new("--no-neq") { Description = "Baseline: train every neuron every epoch." };
    readonly Option<bool> _noSpecialize = new("--no-specialize") { Description = "Train with the general step graph, which computes frozen neurons' gradients and masks them (default: a step graph built for each epoch's masks, which skips that work)." };
    readonly Option<int?> _trainSize = new("--train-size") { Description = "Use only this many training images (quick runs)." };
    readonly Option<int?> _testSize = new("--test-size") { Description = "Evaluate only this many test images." };
    readonly Option<int> _evalBatch = new("--eval-batch-size") { Description = "Batch size of the validation and test passes.", DefaultValueFactory = _ => 500 };
    readonly Option<string?> _out = new("--out", "-o") { Description = "Run folder (metrics, plots, checkpoint, infer.onnx); default runs/<arch>-<optim>-<neq|baseline>-s<seed>." };
    readonly Option<string?> _resume = new("--resume") { Description = "Continue the run in this folder from its last checkpoint (other flags are taken from its run.json)." };

    /// <summary>Creates the command with its options.</summary>
    public TrainCommand() : base("train", "Train with NEq (or the baseline with --no-neq) and write a run folder.")
    {
        foreach (var o in new Option[] { _arch, _model, _dataset, _data, _epochs, _batch, _lr, _momentum, _nesterov, _wd, _optim, _schedule,
                     _milestones, _gamma, _eps, _mu, _rule, _pinning, _valSize, _seed, _threads, _device, _noNeq, _noSpecialize, _trainSize, _testSize, _evalBatch, _out, _resume })
            Options.Add(o);
        SetAction((p, ct) => Task.FromResult(Run(p, ct)));
    }

    int Run(ParseResult p, CancellationToken ct)
    {
        var resume = p.GetValue(_resume);
        var settings = resume is not null ? RunSettings.FromFile(Path.Combine(resume, RunFolder.SettingsFile)) : Settings(p);
        var trainer = TrainerOptionsOf(settings);
        var folder = new RunFolder(resume ?? p.GetValue(_out) ?? Path.Combine("runs", $"{settings.Arch}-{settings.Optim}-{(settings.NoNeq ? "baseline" : "neq")}-s{settings.Seed}"));
        var console = new TrainConsole(p.InvocationConfiguration.Output);

        var model = LoadModel(settings);
        var artifacts = TrainingArtifacts.Build(model, new ArtifactOptions(OptimizerOf(settings)));
        var data = Cifar10.LoadAsync(new Cifar10Source { DataPath = settings.Data }, console.DownloadProgress(), ct).GetAwaiter().GetResult();
        if (resume is null) folder.Create(settings, artifacts);

        using var neq = new NeqTrainer(artifacts, data, trainer);
        if (resume is not null && File.Exists(folder.CheckpointPath)) neq.Restore(CheckpointFile.Load(folder.CheckpointPath), folder.CheckpointPath);
        console.Header(settings, neq, folder, data.Source);
        try
        {
            console.Progress(settings.Epochs, progress => neq.Run(
                log: (m, update) => { folder.Log(m, update); console.Epoch(m); },
                checkpoint: cp => CheckpointFile.Save(folder.CheckpointPath, cp),
                progress, ct));
        }
        catch (TrainingDivergedException e)
        {
            var kept = File.Exists(folder.CheckpointPath) ? $"the last good checkpoint ({neq.History.Count} epochs) is kept at {folder.CheckpointPath}; resume with --resume {folder.Path} after lowering the learning rate in run.json"
                : "no epoch had completed, so there is no checkpoint";
            throw new TrainingDivergedException($"{e.Message} {kept}.");
        }
        folder.Finish(artifacts, neq);
        console.Done(folder, neq.History);
        return CliHost.Ok;
    }

    RunSettings Settings(ParseResult p)
    {
        var optim = p.GetValue(_optim)!;
        if (optim is not ("sgd" or "adam")) throw new UsageException($"--optim must be sgd or adam, not '{optim}'.");
        if (p.GetValue(_dataset) != "cifar10") throw new UsageException($"--dataset {p.GetValue(_dataset)} is not supported; cifar10 is.");
        int[] milestones;
        try { milestones = p.GetValue(_milestones)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray(); }
        catch (FormatException) { throw new UsageException($"--milestones must be comma-separated epochs, not '{p.GetValue(_milestones)}'."); }
        return new RunSettings(p.GetValue(_arch)!, p.GetValue(_model), "cifar10", p.GetValue(_data), p.GetValue(_epochs), p.GetValue(_batch),
            p.GetValue(_lr) ?? (optim == "adam" ? 0.001 : 0.1), p.GetValue(_momentum), p.GetValue(_wd), optim, p.GetValue(_nesterov),
            p.GetValue(_schedule)!, milestones, p.GetValue(_gamma), p.GetValue(_eps), p.GetValue(_mu), p.GetValue(_rule)!,
            p.GetValue(_pinning), p.GetValue(_valSize), p.GetValue(_seed), p.GetValue(_threads), p.GetValue(_device)!,
            p.GetValue(_noNeq), p.GetValue(_trainSize), p.GetValue(_testSize), p.GetValue(_evalBatch), p.GetValue(_noSpecialize));
    }

    static TrainerOptions TrainerOptionsOf(RunSettings s)
    {
        var schedule = s.Schedule switch
        {
            "multistep" => LrScheduleKind.MultiStep,
            "cosine" => LrScheduleKind.Cosine,
            _ => throw new UsageException($"--schedule must be multistep or cosine, not '{s.Schedule}'."),
        };
        var rule = s.VelocityRule switch
        {
            "paper" => VelocityRule.Paper,
            "reference-code" => VelocityRule.ReferenceCode,
            _ => throw new UsageException($"--velocity-rule must be paper or reference-code, not '{s.VelocityRule}'."),
        };
        var o = new TrainerOptions(s.Epochs, s.BatchSize, new LrSchedule(schedule, s.Lr, s.Milestones, s.Gamma, s.Epochs), s.ValSize, s.Seed,
            s.Threads, !s.NoNeq, new EquilibriumOptions(s.Eps, s.VelocityMu, rule, s.Pinning), s.Device, s.TrainSize, s.TestSize, s.EvalBatchSize, !s.NoSpecialize);
        try { o.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        return o;
    }

    static OptimizerOptions OptimizerOf(RunSettings s) => s.Optim == "adam"
        ? new OptimizerOptions(OptimizerKind.Adam, WeightDecay: s.WeightDecay)
        : new OptimizerOptions(OptimizerKind.Sgd, s.Momentum, s.Nesterov, s.WeightDecay);

    static ModelProto LoadModel(RunSettings s)
    {
        if (s.Model is { } path)
        {
            var m = OnnxFile.Load(path);
            GraphChecker.ThrowIfInvalid(m, path);
            return m;
        }
        var arch = s.Arch;
        if (!arch.StartsWith("resnet", StringComparison.Ordinal) || !arch.EndsWith("-cifar", StringComparison.Ordinal)
            || !int.TryParse(arch["resnet".Length..^"-cifar".Length], out var depth) || !CifarResNet.IsValidDepth(depth))
            throw new UsageException($"--arch {arch} is not one of resnet20-cifar, resnet32-cifar, resnet44-cifar, resnet56-cifar, resnet110-cifar.");
        return CifarResNet.Build(new CifarResNetOptions(depth, 10, s.Seed));
    }
}
