using Neq.CommandLine;
using System.CommandLine;
using System.Globalization;
using Neq.Onnx.Architectures;
using Neq.Onnx.Checking;
using Neq.Onnx.Data;
using Neq.Onnx.Distributed;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Training;
using Neq.Onnx.Artifacts;

namespace Neq.Train.Commands;

/// <summary>
/// <c>neq train</c>: trains a CIFAR ResNet (or any ONNX classifier) with NEq, or the baseline with
/// --no-neq. The flags bind to <see cref="RunConfig"/>'s records, whose defaults they show and
/// which validate them (<see cref="RunConfig.Validate"/>). Started by mpirun, every rank runs it and
/// they train data-parallel; rank 0 alone writes the run folder and the console (<see cref="DistributedRun"/>).
/// </summary>
public sealed class TrainCommand : Command
{
    static readonly RunConfig D = RunConfig.Defaults;

    readonly Option<string> _arch = new("--arch") { Description = "resnet20-cifar, resnet32-cifar, resnet44-cifar, resnet56-cifar or resnet110-cifar.", DefaultValueFactory = _ => D.Source.Arch };
    readonly Option<string?> _model = new("--model") { Description = "Train this ONNX classifier (its input fitted to the data, its output [N,K] the classes) instead of --arch." };
    readonly Option<string?> _init = new("--init") { Description = "Start from the weights of this ONNX model of the same architecture (or a run folder's infer.onnx), loaded by name and shape, strictly; the optimizer state starts fresh. For fine-tuning, e.g. --arch resnet20-cifar --init models/resnet20-cifar10-trained.onnx." };
    readonly Option<string?> _inputSize = new("--input-size") { Description = "HEIGHTxWIDTH to train a --model whose image input has a symbolic height and width at (e.g. 32x32); the data is fitted to it." };
    readonly DataFlags _dataFlags = new();
    readonly Option<string?> _output = new("--output") { Description = "The --model output to train (logits, or probabilities after a trailing Softmax/LogSoftmax, whose logits the loss then reads); default: its only float output." };
    readonly Option<string> _loss = new("--loss") { Description = "ce (cross-entropy over class labels; binary after a one-column Sigmoid) or mse (mean squared error over float targets: regression with --model).", DefaultValueFactory = _ => "ce" };
    readonly Option<int> _epochs = new("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => D.Trainer.Epochs };
    readonly Option<int> _batch = new("--batch-size") { Description = "Training batch size (under mpirun: the global batch, split over the ranks).", DefaultValueFactory = _ => D.Trainer.BatchSize };
    readonly Option<double?> _lr = new("--lr") { Description = string.Create(CultureInfo.InvariantCulture, $"Learning rate (default {RunConfig.DefaultLr(OptimizerKind.Sgd)} for sgd, {RunConfig.DefaultLr(OptimizerKind.Adam)} for adam).") };
    readonly Option<double> _momentum = new("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => D.Optimizer.Momentum };
    readonly Option<bool> _nesterov = new("--nesterov") { Description = "Nesterov momentum (sgd)." };
    readonly Option<double> _wd = new("--weight-decay") { Description = "Weight decay (L2, as the reference).", DefaultValueFactory = _ => D.Optimizer.WeightDecay };
    readonly Option<string> _optim = new("--optim") { Description = "sgd or adam.", DefaultValueFactory = _ => FlagNames.Of(FlagNames.Optimizers, D.Optimizer.Kind) };
    readonly Option<string> _schedule = new("--schedule") { Description = "multistep or cosine.", DefaultValueFactory = _ => FlagNames.Of(FlagNames.Schedules, D.Trainer.Schedule.Kind) };
    readonly Option<string> _milestones = new("--milestones") { Description = "Epochs where the multistep schedule multiplies the lr by --gamma.", DefaultValueFactory = _ => string.Join(",", D.Trainer.Schedule.Milestones) };
    readonly Option<double> _gamma = new("--gamma") { Description = "Multistep factor.", DefaultValueFactory = _ => D.Trainer.Schedule.Gamma };
    readonly Option<double> _eps = new("--eps") { Description = "Equilibrium threshold ε on |velocity|.", DefaultValueFactory = _ => D.Trainer.Equilibrium.Eps };
    readonly Option<double> _mu = new("--velocity-mu") { Description = "Velocity momentum μ in [0, 0.5].", DefaultValueFactory = _ => D.Trainer.Equilibrium.VelocityMu };
    readonly Option<string> _rule = new("--velocity-rule") { Description = "paper (v = Δφ − μ·v) or reference-code (v = μ·v + Δφ − Δφ_prev).", DefaultValueFactory = _ => FlagNames.Of(FlagNames.Rules, D.Trainer.Equilibrium.VelocityRule) };
    readonly Option<bool> _pinning = new("--pinning") { Description = "Keep frozen neurons frozen (the union of all masks so far)." };
    readonly Option<double> _valSize = new("--val-size") { Description = "Fraction of the training set held out for NEq, in [0, 1).", DefaultValueFactory = _ => D.Trainer.ValSize };
    readonly Option<ulong> _seed = new("--seed") { Description = "Seed of the split, shuffle, augmentation (and the ResNet's initialisation).", DefaultValueFactory = _ => D.Trainer.Seed };
    readonly Option<int> _threads = new("--threads") { Description = "ONNX Runtime threads (0: all cores; under mpirun, per rank: its share of its host's cores).", DefaultValueFactory = _ => D.Trainer.Threads };
    readonly Option<string> _device = new("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => D.Trainer.Device };
    readonly Option<bool> _noNeq = new("--no-neq") { Description = "Baseline: train every neuron every epoch." };
    readonly Option<bool> _noSpecialize = new("--no-specialize") { Description = "Train with the general step graph, which computes frozen neurons' gradients and masks them (default: a step graph built for each epoch's masks, which skips that work)." };
    readonly Option<bool> _portable = new("--portable") { Description = "On the CPU, run the standard-ONNX graphs as written (default: on x64, graphs lowered to ONNX Runtime's NCHWc convolution kernels, same results, faster)." };
    readonly Option<int?> _trainSize = new("--train-size") { Description = "Use only this many training images (quick runs)." };
    readonly Option<int?> _testSize = new("--test-size") { Description = "Evaluate only this many test images." };
    readonly Option<int> _evalBatch = new("--eval-batch-size") { Description = "Batch size of the validation and test passes: images per run of the evaluation graph (the same results at any size; its memory grows with it).", DefaultValueFactory = _ => D.Trainer.EvalBatchSize };
    readonly Option<string?> _out = new("--out", "-o") { Description = "Run folder (metrics, plots, checkpoint, infer.onnx); default runs/<arch>-<optim>-<neq|baseline>-s<seed>." };
    readonly Option<string?> _resume = new("--resume") { Description = "Continue the run in this folder from its last checkpoint (other flags are taken from its run.json)." };

    /// <summary>Creates the command with its options.</summary>
    public TrainCommand() : base("train", "Train with NEq (or the baseline with --no-neq) and write a run folder.")
    {
        foreach (var o in new Option[] { _arch, _model, _output, _init, _inputSize }.Concat(_dataFlags.All(training: true)).Concat([_loss, _epochs, _batch, _lr, _momentum, _nesterov, _wd, _optim, _schedule,
                     _milestones, _gamma, _eps, _mu, _rule, _pinning, _valSize, _seed, _threads, _device, _noNeq, _noSpecialize, _portable, _trainSize, _testSize, _evalBatch, _out, _resume]))
            Options.Add(o);
        SetAction((p, ct) => Task.FromResult(Run(p, ct)));
    }

    int Run(ParseResult p, CancellationToken ct)
    {
        // Without an MPI launcher this is one process and needs no MPI library.
        using var comm = Communicator.Create();
        try { return Run(p, comm, ct); }
        catch (Exception e) when (comm.Size > 1)
        {
            DistributedRun.Fail(comm, e, p.InvocationConfiguration.Error);
            throw; // unreachable: Fail ends the process
        }
    }

    int Run(ParseResult p, Communicator comm, CancellationToken ct)
    {
        var resume = p.GetValue(_resume);
        var config = resume is not null ? Resumed(resume) : Config(p);
        try { config.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        var (source, trainer) = (config.Source, config.Trainer);
        var folder = new RunFolder(resume ?? p.GetValue(_out) ?? Path.Combine("runs",
            $"{source.Arch}-{FlagNames.Of(FlagNames.Optimizers, config.Optimizer.Kind)}-{(trainer.UseNeq ? "neq" : "baseline")}-s{trainer.Seed}"));
        if (File.Exists(folder.Path))
            throw new IOException($"{folder.Path}: a file, not a folder; --out names the run folder to write (new, or a run folder to overwrite).");
        // Under mpirun a rank's stdout is Open MPI's pseudo-terminal even when mpirun's own output goes
        // to a log, so rank 0 writes plain lines (TrainConsole goes live only on Console.Out itself).
        var console = new TrainConsole(comm.Size == 1 ? p.InvocationConfiguration.Output
            : comm.IsRoot ? DistributedRun.Plain(p.InvocationConfiguration.Output) : TextWriter.Null);

        var (compiled, fitted) = ModelAndData(config, console, split: comm.Size > 1, ct);
        var data = fitted.Dataset;
        if (resume is null && comm.IsRoot)
        {
            folder.Create(config, compiled.Artifacts);
            DatasetCatalog.WriteClassNames(data, folder.Path);
        }

        // The process's peak while reading the data and compiling the artifacts; the trainer measures its own phases after.
        var loading = new MemoryLog();
        loading.End("data and artifacts", -1);
        using var neq = new NeqTrainer(compiled, data, DistributedRun.PerRank(trainer, comm), comm);
        neq.RestoreFromRoot(comm.IsRoot && resume is not null && File.Exists(folder.CheckpointPath) ? CheckpointFile.Load(folder.CheckpointPath) : null, folder.CheckpointPath);
        console.Header(config, neq, folder, data);
        if (comm.IsRoot && comm.Size > 1) p.InvocationConfiguration.Output.WriteLine(DistributedRun.Describe(comm, trainer));
        try
        {
            console.Progress(trainer.Epochs, progress => neq.Run(
                log: (m, update) =>
                {
                    if (comm.IsRoot) { folder.Log(m, update); console.Epoch(m); }
                    DistributedRun.LogRank(comm, m, neq);
                },
                checkpoint: cp => CheckpointFile.Save(folder.CheckpointPath, cp),
                progress, ct));
        }
        catch (TrainingDivergedException e)
        {
            var kept = File.Exists(folder.CheckpointPath) ? $"the last good checkpoint ({neq.History.Count} epochs) is kept at {folder.CheckpointPath}; resume with --resume {folder.Path} after lowering the learning rate in run.json"
                : "no epoch had completed, so there is no checkpoint";
            throw new TrainingDivergedException($"{e.Message} {kept}.");
        }
        if (!comm.IsRoot) return CliHost.Ok;
        folder.Finish(compiled.Artifacts, neq, loading.Phases.Concat(neq.Memory.Phases).ToList());
        neq.Memory.End("finish", -1); // writing infer.onnx, summary.md and memory.csv: on the console only
        console.Done(folder, neq.History, loading.Phases.Concat(neq.Memory.Phases).ToList());
        return CliHost.Ok;
    }

    /// <summary>The configuration of the run folder <paramref name="folder"/>; one error naming it when it is not a run folder.</summary>
    static RunConfig Resumed(string folder)
    {
        var path = Path.Combine(folder, RunFolder.SettingsFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{folder}: no run folder ({RunFolder.SettingsFile} missing); --resume takes the folder of a run that neq train started.", path);
        return RunConfig.FromFile(path);
    }

    /// <summary>The flags, bound to the records.</summary>
    RunConfig Config(ParseResult p)
    {
        var optim = Parse(FlagNames.Optimizers, _optim, p);
        int[] milestones;
        try { milestones = p.GetValue(_milestones)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); }
        catch (Exception e) when (e is FormatException or OverflowException) { throw new UsageException($"--milestones must be comma-separated epochs, not '{p.GetValue(_milestones)}'."); }
        int epochs = p.GetValue(_epochs);
        Parse(FlagNames.Losses, _loss, p);
        var source = _dataFlags.Bind(p, new RunSource(p.GetValue(_arch)!, p.GetValue(_model)) { Output = p.GetValue(_output), Loss = p.GetValue(_loss)!, Init = p.GetValue(_init), InputSize = p.GetValue(_inputSize) });
        var optimizer = optim == OptimizerKind.Sgd
            ? D.Optimizer with { Momentum = p.GetValue(_momentum), Nesterov = p.GetValue(_nesterov), WeightDecay = p.GetValue(_wd) }
            : new OptimizerOptions(optim, WeightDecay: p.GetValue(_wd));
        var schedule = new LrSchedule(Parse(FlagNames.Schedules, _schedule, p), p.GetValue(_lr) ?? RunConfig.DefaultLr(optim), milestones, p.GetValue(_gamma), epochs);
        var equilibrium = D.Trainer.Equilibrium with
        {
            Eps = p.GetValue(_eps), VelocityMu = p.GetValue(_mu), VelocityRule = Parse(FlagNames.Rules, _rule, p), Pinning = p.GetValue(_pinning),
        };
        var trainer = new TrainerOptions(epochs, p.GetValue(_batch), schedule, p.GetValue(_valSize), p.GetValue(_seed), p.GetValue(_threads),
            !p.GetValue(_noNeq), equilibrium, p.GetValue(_device)!, p.GetValue(_trainSize), p.GetValue(_testSize), p.GetValue(_evalBatch), !p.GetValue(_noSpecialize), Portable: p.GetValue(_portable));
        return new RunConfig(source, optimizer, trainer);
    }

    static T Parse<T>(IReadOnlyDictionary<string, T> names, Option<string> option, ParseResult p)
    {
        var value = p.GetValue(option)!;
        return names.TryGetValue(value, out var v) ? v
            : throw new UsageException($"{option.Name} must be {string.Join(" or ", names.Keys)}, not '{value}'.");
    }

    /// <summary>
    /// The compiled model and the data fitted to its input. A --model file is compiled first, so
    /// that a folder of images is decoded to its input size; an --arch ResNet takes 3×32×32 images
    /// and is built for the data's class count (the class names, or the largest label + 1).
    /// <paramref name="split"/> (several processes) also builds grad.onnx and update.onnx.
    /// </summary>
    static (ArtifactCompilation Compiled, FittedDataset Data) ModelAndData(RunConfig config, TrainConsole console, bool split, CancellationToken ct)
    {
        var (s, seed) = (config.Source, config.Trainer.Seed);
        var options = new ArtifactOptions(config.Optimizer, FlagNames.Losses[s.Loss], Prediction: s.Output, Split: split);
        if (s.Model is { } path)
        {
            var m = OnnxFile.Load(path);
            GraphChecker.ThrowIfInvalid(m, path);
            m = InputSize.Fix(m, s.InputSize is { } size ? InputSize.Parse(size) : null, path);
            var compiled = TrainingArtifacts.Compile(WithInit(m, s), options);
            return (compiled, DataFlags.Load(s, NeqTrainer.InputOf(compiled.Artifacts), console.DownloadProgress(), ct));
        }
        var depth = s.Depth;
        var data = DataFlags.Load(s, new ModelInput("input", [-1, 3, 32, 32]), console.DownloadProgress(), ct);
        var train = data.Dataset.Train;
        var classes = data.Dataset.ClassNames?.Count ?? (train.HasClassLabels && train.Count > 0 ? train.Labels.ToArray().Max() + 1 : 0);
        if (classes < 2)
            throw new DatasetException($"{data.Dataset.Source}: --arch {s.Arch} needs class labels (at least 2 classes) in the {data.Dataset.Name} data.");
        return (TrainingArtifacts.Compile(WithInit(CifarResNet.Build(new CifarResNetOptions(depth, classes, seed)), s), options), data);
    }

    /// <summary><paramref name="model"/> with the --init file's weights (unchanged without --init).</summary>
    static ModelProto WithInit(ModelProto model, RunSource s) =>
        s.InitFile is { } file ? InitialWeights.Load(model, OnnxFile.Load(file), file) : model;
}
