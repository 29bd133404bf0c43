using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Data;
using Neq.Onnx.Distributed;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Io;
using EqLayer = Neq.Onnx.Equilibrium.EquilibriumLayer;

namespace Neq.Onnx.Training;

/// <summary>
/// Trains with NEq. <see cref="Run"/> is the loop; the work is in its pieces: the step
/// (<see cref="ITrainStep"/>: sessions, carried tensors, specialised graphs), the masks
/// (<see cref="MaskSet"/>), the evaluator (eval.onnx over validation and test images, feeding the
/// equilibrium controller), the accounting (<see cref="EpochMetrics"/> per epoch) and checkpoints
/// (<see cref="Capture"/>, <see cref="Restore"/>). The pieces' entry points are public so a caller
/// can drive or test them one by one.
/// <para>
/// Data parallelism (several processes of a <see cref="Communicator"/>): every rank runs this loop
/// with the data-parallel step on its shard of each global batch; training and test statistics are
/// summed over the ranks; rank 0 alone measures the neurons on the validation subset and broadcasts
/// the masks; rank 0 alone is handed checkpoints. See docs/distributed.md.
/// </para>
/// </summary>
public sealed class NeqTrainer : IDisposable
{
    readonly TrainerOptions _o;
    readonly ArtifactManifest _manifest;
    readonly ITrainStep _step;
    readonly MaskSet _masks;
    readonly Evaluator _evaluator;
    readonly EpochAccounting _accounting;
    readonly TrainingLoaders _loaders;
    readonly int _classes;
    readonly Communicator _comm;
    readonly bool _dataParallel;
    readonly long[] _predictionShape;
    readonly bool _regression;
    readonly PredictionKind _predictionKind;
    EquilibriumController? _controller;
    (double StepSeconds, int Steps) _pass;
    (float[] Images, long[] Labels, float[] Targets, long[] Shape)? _probe;

    /// <summary>
    /// The step path of each device: CUDA keeps the carried tensors on the device with IO binding;
    /// on the CPU, where the paths give the same bits, IO binding measured no faster than
    /// <c>session.Run</c> for ResNet-32 (docs/cuda.md), so the CPU keeps <see cref="StepPath.Run"/>.
    /// </summary>
    internal static StepPath DefaultPath(string device) => device == "cuda" ? StepPath.DeviceBinding : CpuDefault;

    internal const StepPath CpuDefault = StepPath.Run;

    /// <summary>
    /// Sets up the step (sessions, buffers with infer.onnx's initial values), masks, evaluator and
    /// data loaders. <paramref name="data"/> is fitted to the model's input with
    /// <see cref="InputFit.Fit"/> (smaller images zero-padded around the centre; pass data already
    /// fitted with <c>resize: true</c> to scale them instead); the class count is the model's
    /// output [N, K], and every label must lie in 0..K−1.
    /// </summary>
    /// <exception cref="OnnxFormatException">The model is not a classifier of one input.</exception>
    /// <exception cref="DatasetException">The data does not fit the model's input, a label is out of range, or the targets are not class labels.</exception>
    public NeqTrainer(ArtifactCompilation compiled, Dataset data, TrainerOptions options)
        : this(compiled, data, options, DefaultPath(options.Device))
    {
    }

    /// <summary>CIFAR-10 as read by <see cref="Cifar10.LoadAsync"/> (<see cref="Cifar10.AsDataset"/>).</summary>
    public NeqTrainer(ArtifactCompilation compiled, Cifar10Data data, TrainerOptions options)
        : this(compiled, Cifar10.AsDataset(data), options, DefaultPath(options.Device))
    {
    }

    /// <summary>As the public constructor, with the step path chosen (tests run each).</summary>
    internal NeqTrainer(ArtifactCompilation compiled, Cifar10Data data, TrainerOptions options, StepPath path)
        : this(compiled, Cifar10.AsDataset(data), options, path)
    {
    }

    /// <summary>
    /// Trains as one of the processes of <paramref name="communicator"/>: with one, exactly as the
    /// public constructor; with several, data-parallel (the artifacts built with
    /// <see cref="ArtifactOptions.Split"/>, the CPU, <see cref="TrainerOptions.BatchSize"/> the global
    /// batch that the ranks share). Every rank constructs it with the same arguments.
    /// </summary>
    /// <exception cref="ArgumentException">Several processes, but the artifacts are not split or the device is not the CPU.</exception>
    public NeqTrainer(ArtifactCompilation compiled, Dataset data, TrainerOptions options, Communicator communicator)
        : this(compiled, data, options, DefaultPath(options.Device), communicator, dataParallel: communicator.Size > 1)
    {
    }

    /// <summary>As the public constructor, with the step path chosen (tests run each).</summary>
    internal NeqTrainer(ArtifactCompilation compiled, Dataset data, TrainerOptions options, StepPath path)
        : this(compiled, data, options, path, new SingleProcessCommunicator(), dataParallel: false)
    {
    }

    /// <summary>
    /// As the public constructors; <paramref name="dataParallel"/> chooses the data-parallel step even
    /// for one process (tests compare it with the local step in process).
    /// </summary>
    internal NeqTrainer(ArtifactCompilation compiled, Dataset data, TrainerOptions options, StepPath path, Communicator communicator, bool dataParallel)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        ArgumentNullException.ThrowIfNull(data);
        options.Validate();
        _o = options;
        var artifacts = compiled.Artifacts;
        _manifest = artifacts.Manifest;
        (_classes, _predictionShape) = CheckPrediction(artifacts.Manifest);
        _regression = _manifest.Loss == "mse";
        _predictionKind = ClassificationStats.KindOf(artifacts.Infer.Graph, _manifest.Prediction);
        var fitted = Fit(data, InputOf(artifacts), _classes, _regression);
        (_comm, _dataParallel) = (communicator, dataParallel);
        _loaders = TrainingLoaders.Of(fitted, options, dataParallel ? new DataShard(communicator.Rank, communicator.Size) : null);
        Memory.End("data fitted", -1);
        _masks = new MaskSet(compiled.Masks);
        _step = dataParallel ? new DataParallelTrainStep(compiled, _masks, communicator, options)
            : new LocalStep(compiled, _masks, options, path, _loaders.Train.BatchSize, _classes);
        _evaluator = new Evaluator(artifacts, options, _classes);
        var layers = EquilibriumLayers(artifacts.Manifest);
        _accounting = new EpochAccounting(artifacts, layers, _classes);
        if (options.UseNeq && _loaders.Validation is not null && communicator.IsRoot)
            _controller = new EquilibriumController(layers, _loaders.Validation.Count, options.Equilibrium);
        Memory.End("sessions", -1);
    }

    /// <summary>
    /// The model's data input as <see cref="InputFit"/> takes it, its layout read from infer.onnx
    /// (a Transpose [0,3,1,2] after an NHWC input) and else from its shape (<see cref="ModelInput.Of(string, IReadOnlyList{long}, Ir.GraphProto)"/>).
    /// </summary>
    public static ModelInput InputOf(TrainingArtifactSet artifacts)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        var shapeOnly = InputOf(artifacts.Manifest);
        return ModelInput.Of(shapeOnly.Name, shapeOnly.Shape, artifacts.Infer.Graph);
    }

    /// <summary>The model's data input as <see cref="InputFit"/> takes it, its layout read from its shape alone (<see cref="ModelInput.Of(string, IReadOnlyList{long})"/>).</summary>
    public static ModelInput InputOf(ArtifactManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.DataInputs.Count != 1)
            throw new OnnxFormatException($"The model has {manifest.DataInputs.Count} data inputs; the trainer feeds exactly one batch.");
        return ModelInput.Of(manifest.DataInputs[0].Name, manifest.DataInputs[0].Shape);
    }

    /// <summary>
    /// The prediction's width per sample and its shape after the batch axis: K of class logits
    /// [N, K] with cross-entropy, 1 of a binary classifier's Sigmoid probability [N, 1] (manifest
    /// loss "bce", labels 0/1), the product of the fixed sizes of a regression output [N, …]
    /// (manifest loss "mse"); one clear error naming the output otherwise.
    /// </summary>
    static (int Width, long[] Shape) CheckPrediction(ArtifactManifest m)
    {
        if (m.DataInputs.Count != 1)
            throw new OnnxFormatException($"The model has {m.DataInputs.Count} data inputs; the trainer feeds exactly one batch.");
        var pred = m.Graphs.First(g => g.Role == "eval").Outputs.First(o => o.Name == m.Prediction);
        var sample = pred.Shape.Skip(1).ToArray();
        if (m.Loss == "mse")
        {
            if (pred.Shape.Count < 1 || sample.Any(d => d <= 0))
                throw new OnnxFormatException($"The model's output '{pred.Name}' has shape [{string.Join(",", pred.Shape)}]; a regression output is [N, …] with fixed sizes after the batch axis.");
            return ((int)sample.Aggregate(1L, (a, b) => a * b), sample);
        }
        if (pred.Shape.Count != 2 || pred.Shape[1] <= 0)
            throw new OnnxFormatException($"The model's output '{pred.Name}' has shape [{string.Join(",", pred.Shape)}]; a classifier outputs class logits [N,K] with a fixed K.");
        return ((int)pred.Shape[1], sample);
    }

    /// <summary>The data fitted to the model's input, with its labels checked against the class count.</summary>
    static FittedDataset Fit(Dataset data, ModelInput input, int classes, bool regression)
    {
        if (regression)
        {
            if (data.Train.HasClassLabels || data.Test.HasClassLabels)
                throw new DatasetException($"{data.Source}: the {data.Name} data has class labels; --loss mse needs float targets (an .npz file with float y_train and y_test).");
            if (data.Train.TargetSize != classes)
                throw new DatasetException($"{data.Source}: each target has {data.Train.TargetSize} float{(data.Train.TargetSize == 1 ? "" : "s")}, but the model predicts {classes} per sample.");
            var fittedTargets = InputFit.Fit(data, input);
            if (data.Augment != AugmentMode.None && !fittedTargets.IsImage)
                throw new DatasetException($"{data.Source}: --augment needs byte images; use --augment none.");
            return fittedTargets;
        }
        if (!data.Train.HasClassLabels || !data.Test.HasClassLabels)
            throw new DatasetException($"{data.Source}: the {data.Name} data has float targets (regression), which need --loss mse.");
        var fitted = InputFit.Fit(data, input);
        if (!fitted.IsImage && data.Augment != AugmentMode.None)
            throw new DatasetException($"{data.Source}: --augment {(data.Augment == AugmentMode.Crop ? "crop" : "crop-flip")} needs byte images (C, H, W); the {data.Name} samples are {data.Train.Element} [{string.Join("×", data.Train.Shape)}]. Use --augment none.");
        // One column is a binary classifier's probability of class 1: labels 0 and 1.
        data.Train.CheckLabels(Math.Max(classes, 2), $"{data.Source} (training set)");
        data.Test.CheckLabels(Math.Max(classes, 2), $"{data.Source} (test set)");
        return fitted;
    }

    /// <summary>Metrics of the epochs completed so far.</summary>
    public IReadOnlyList<EpochMetrics> History => _accounting.History;

    /// <summary>The first epoch still to train (0-based).</summary>
    public int NextEpoch => History.Count;

    /// <summary>Bytes the equilibrium controller holds for previous activations.</summary>
    public long ActivationBytes => _controller?.ActivationBytes ?? 0;

    /// <summary>Training samples per epoch, validation and test samples.</summary>
    public (int Train, int Validation, int Test) Sizes => (_loaders.Train.Count, _loaders.Validation?.Count ?? 0, _loaders.Test.Count);

    /// <summary>The masks the next epoch trains with.</summary>
    public MaskSet Masks => _masks;

    /// <summary>
    /// The process's peak resident memory per phase of this trainer: "data fitted" and "sessions"
    /// (construction), "reference", then per epoch "train", "dense timing", "NEq evaluation",
    /// "step graph" (the masks applied: the specialised step built), "test", "checkpoint", "log".
    /// </summary>
    public MemoryLog Memory { get; } = new();

    /// <summary>
    /// The loop, from <see cref="NextEpoch"/> to the last epoch: train → validate (φ, Δφ, velocity)
    /// → masks for the next epoch → test → record → checkpoint → log. With several processes every
    /// rank calls it; <paramref name="checkpoint"/> is called on rank 0 only, <paramref name="log"/> on
    /// every rank (training and test metrics are global; validation ones, and the update, rank 0's).
    /// The checkpoint's NEq activations are the trainer's own arrays, valid during the call: write
    /// it then, or copy them (<see cref="Capture()"/> gives a copy).
    /// </summary>
    public void Run(Action<EpochMetrics, EquilibriumUpdate?> log, Action<TrainerCheckpoint> checkpoint,
        IProgress<TrainerProgress>? progress = null, CancellationToken ct = default)
    {
        if (_controller is { HasReference: false }) ReferencePass(progress, ct);
        Memory.End("reference", -1);
        // Each epoch's record carries the peak of the phases since the previous record.
        int recorded = 0;
        for (int epoch = NextEpoch; epoch < _o.Epochs; epoch++)
        {
            var trainedFrozen = _masks.FrozenFractions();
            var (train, trainTime) = Timed(() => TrainEpoch(epoch, progress, ct));
            Memory.End("train", epoch);
            var timing = TimeAgainstDense();
            Memory.End("dense timing", epoch);
            var ((val, update), neqTime) = Timed(() => Validate(epoch, progress, ct));
            Memory.End("NEq evaluation", epoch);
            if (_dataParallel) ShareMasks(update);
            else if (update is not null) ApplyMasks(update);
            Memory.End("step graph", epoch);
            var (test, testTime) = Timed(() => Test(epoch, progress, ct));
            Memory.End("test", epoch);
            var nextFrozen = update?.Layers.ToDictionary(l => l.Layer.Name, l => l.FrozenFraction) ?? _masks.FrozenFractions();
            var peak = Memory.PeakFrom(recorded);
            recorded = Memory.Phases.Count;
            var metrics = _accounting.Count(epoch, _o.Schedule.At(epoch), (train, val, test), trainedFrozen, nextFrozen,
                new EpochTimes(trainTime, neqTime, testTime, update is null ? 0 : _step.SpecializeSeconds, ActivationBytes, _pass.StepSeconds, _pass.Steps, timing))
                with { PeakResidentBytes = peak?.Bytes ?? 0, PeakPhase = peak?.Phase ?? "" };
            _accounting.Add(metrics);
            // Checkpoint before logging: an epoch shows in the logs only once it is durable, so a
            // run killed at any moment never reports an epoch that --resume would train again.
            if (_comm.IsRoot) checkpoint(State(share: true));
            Memory.End("checkpoint", epoch);
            log(metrics, update);
            Memory.End("log", epoch);
        }
    }

    /// <summary>Runs the untrained model over the validation subset: NEq's reference for epoch 0.</summary>
    public void ReferencePass(IProgress<TrainerProgress>? progress = null, CancellationToken ct = default)
    {
        if (_controller is null || _loaders.Validation is null) return;
        Evaluate(_loaders.Validation, "reference", -1, _controller, progress, ct);
        _controller.CompletePass();
    }

    /// <summary>One training epoch (0-based) at the schedule's learning rate with the current masks.</summary>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite (the message counts epochs and batches from 1).</exception>
    public ClassificationStats TrainEpoch(int epoch, IProgress<TrainerProgress>? progress = null, CancellationToken ct = default)
    {
        var lr = _o.Schedule.At(epoch);
        _step.BeginEpoch(lr);
        var loader = _loaders.Train;
        var stats = new ClassificationStats { Kind = _predictionKind };
        _pass = default;
        foreach (var batch in loader.ReadEpoch(epoch, ct))
        {
            using (batch)
            {
                using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Images, loader.BatchShape(batch.Index));
                using var y = _regression
                    ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Targets, [batch.Count, .. _predictionShape])
                    : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Labels, [batch.Count]);
                if (batch.Index == 0) KeepProbe(batch.Images.Span, batch.Labels.Span, _regression ? batch.Targets.Span : default, loader.BatchShape(0));
                var started = Stopwatch.GetTimestamp();
                var loss = _step.Step(x, y, batch.Count);
                _pass = (_pass.StepSeconds + Stopwatch.GetElapsedTime(started).TotalSeconds, _pass.Steps + 1);
                if (!float.IsFinite(loss))
                    throw new TrainingDivergedException(string.Create(CultureInfo.InvariantCulture,
                        $"the training loss became {loss} at epoch {epoch + 1}, batch {batch.Index + 1} of {loader.BatchCount} (learning rate {(float)lr}); training stopped."));
                if (_regression) stats.AddRegression(_step.Prediction(batch.Count), batch.Targets.Span, batch.Count);
                else stats.Add(_step.Prediction(batch.Count), batch.Labels.Span, _classes);
                progress?.Report(new TrainerProgress("train", epoch, batch.Index + 1, loader.BatchCount, stats.Loss));
            }
        }
        ct.ThrowIfCancellationRequested(); // the loader stops early when cancelled: never count a partial epoch
        _step.EndEpoch();
        if (_dataParallel) stats.SumOver(_comm);
        return stats;
    }

    /// <summary>
    /// The epoch's step graph timed against the dense one on the epoch's first batch
    /// (<see cref="TrainerOptions.DenseTimingRounds"/> interleaved rounds); null when the step is the
    /// dense graph, timing is off, or no batch was kept.
    /// </summary>
    StepTiming? TimeAgainstDense()
    {
        if (_o.DenseTimingRounds == 0 || _probe is not { } p) return null;
        int count = (int)p.Shape[0];
        using var x = OrtValue.CreateTensorValueFromMemory(p.Images, p.Shape);
        using var y = _regression ? OrtValue.CreateTensorValueFromMemory(p.Targets, [count, .. _predictionShape])
            : OrtValue.CreateTensorValueFromMemory(p.Labels, [count]);
        return _step.TimeAgainstDense(x, y, count, _o.DenseTimingRounds);
    }

    /// <summary>Copies the epoch's first batch for <see cref="TimeAgainstDense"/> (the loader recycles its buffers).</summary>
    void KeepProbe(ReadOnlySpan<float> images, ReadOnlySpan<long> labels, ReadOnlySpan<float> targets, long[] shape)
    {
        if (_o.DenseTimingRounds == 0) return;
        if (_probe is not { } p || p.Images.Length != images.Length || p.Labels.Length != labels.Length || p.Targets.Length != targets.Length)
            _probe = p = (new float[images.Length], new long[labels.Length], new float[targets.Length], shape);
        images.CopyTo(p.Images);
        labels.CopyTo(p.Labels);
        targets.CopyTo(p.Targets);
    }

    /// <summary>The test pass: with several processes each evaluates its slice of every batch, and the statistics are summed.</summary>
    ClassificationStats Test(int epoch, IProgress<TrainerProgress>? progress, CancellationToken ct)
    {
        var test = Evaluate(_loaders.Test, "test", epoch, null, progress, ct);
        if (_dataParallel) test.SumOver(_comm);
        return test;
    }

    /// <summary>
    /// Makes every rank's masks rank 0's (one broadcast of all of them; rank 0 first applies its
    /// <paramref name="update"/>, when it has one) and the step match them. Rank 0 decided them from
    /// the validation pass; the others wait here meanwhile.
    /// </summary>
    void ShareMasks(EquilibriumUpdate? update)
    {
        if (update is not null) _masks.Apply(update);
        var flat = _masks.Layers.SelectMany(l => l.Data).ToArray();
        _comm.Broadcast(flat.AsSpan());
        var offset = 0;
        foreach (var l in _masks.Layers)
        {
            flat.AsSpan(offset, l.Data.Length).CopyTo(l.Data);
            offset += l.Data.Length;
        }
        _step.UseMasks();
    }

    /// <summary>The validation pass and the controller's update from it (nulls without a validation subset; no update without NEq).</summary>
    (ClassificationStats? Val, EquilibriumUpdate? Update) Validate(int epoch, IProgress<TrainerProgress>? progress, CancellationToken ct)
    {
        // With several processes rank 0 alone holds the controller and measures; ShareMasks hands out the result.
        if (_loaders.Validation is null || !_comm.IsRoot) return (null, null);
        var val = Evaluate(_loaders.Validation, "validate", epoch, _controller, progress, ct);
        return (val, _controller?.CompletePass());
    }

    /// <summary>Sets each layer's mask for the next epoch from an equilibrium update (1 = trains), and the step to match.</summary>
    public void ApplyMasks(EquilibriumUpdate update)
    {
        _masks.Apply(update);
        _step.UseMasks();
    }

    /// <summary>
    /// Seconds the last change of masks took to build the specialised train.onnx and its session
    /// (0 when the masks did not change, nothing is frozen, or specialisation is off).
    /// </summary>
    public double SpecializeSeconds => _step.SpecializeSeconds;

    /// <summary>Runs eval.onnx over a loader's images; feeds activations to the controller when given.</summary>
    public ClassificationStats Evaluate(BatchLoader loader, string phase, int epoch, EquilibriumController? controller,
        IProgress<TrainerProgress>? progress = null, CancellationToken ct = default) =>
        _evaluator.Evaluate(_step, loader, phase, epoch, controller, progress, ct);

    /// <summary>The state to checkpoint after the last completed epoch.</summary>
    public TrainerCheckpoint Capture() => State(share: false);

    /// <summary>
    /// The state; with <paramref name="share"/> its NEq activations are the controller's own arrays
    /// (<see cref="EquilibriumController.ShareState"/>), which <see cref="Run"/> hands to its
    /// checkpoint callback: a copy would add their size (300 MiB for ResNet-32 on 500 validation
    /// images) to the run's peak memory and, until the GC returned it, to every later phase.
    /// </summary>
    TrainerCheckpoint State(bool share) => new(
        History.Count, _o.Seed,
        _step.Carried.Values.ToDictionary(c => c.Name, c => c.ReadCurrent(), StringComparer.Ordinal),
        _masks.ByInput(),
        share ? _controller?.ShareState() : _controller?.CaptureState(),
        History.ToList());

    /// <summary>Continues from a checkpoint of the same model and options; <paramref name="source"/> names it in errors.</summary>
    public void Restore(TrainerCheckpoint cp, string source)
    {
        if (cp.Seed != _o.Seed) throw new InvalidDataException($"{source}: the checkpoint was written with --seed {cp.Seed}, this run has {_o.Seed}.");
        foreach (var c in _step.Carried.Values)
            c.Set(cp.Tensors.TryGetValue(c.Name, out var v) && v.LongLength == c.Shape.Aggregate(1L, (a, d) => a * d) ? v
                : throw new InvalidDataException($"{source}: no value of the right size for '{c.Name}': the checkpoint belongs to another model or optimizer."));
        _masks.Restore(cp.Masks, source);
        _step.UseMasks();
        if (_o.UseNeq && cp.Equilibrium is { } eq)
            _controller = EquilibriumController.Restore(eq, _o.Equilibrium);
        _accounting.Restore(cp.History);
    }

    /// <summary>
    /// Continues every rank from the checkpoint that rank 0 read (<paramref name="checkpoint"/>: rank
    /// 0's, or null for a fresh run; ignored on the other ranks, which pass null): rank 0 restores it,
    /// then broadcasts the completed epochs' metrics, every carried tensor and the masks, so other
    /// hosts need no copy of the run folder. With one process it is <see cref="Restore"/>.
    /// </summary>
    public void RestoreFromRoot(TrainerCheckpoint? checkpoint, string source)
    {
        if (!_dataParallel)
        {
            if (checkpoint is not null) Restore(checkpoint, source);
            return;
        }
        int[] found = [_comm.IsRoot && checkpoint is not null ? 1 : 0];
        _comm.Broadcast(found.AsSpan());
        if (found[0] == 0) return;
        if (_comm.IsRoot) Restore(checkpoint!, source);
        // The metrics as the checkpoint file stores them (JSON): the other ranks need the epoch count, and keep the same record.
        var history = _comm.IsRoot ? Encoding.UTF8.GetBytes(JsonSerializer.Serialize(History, CheckpointFile.Json)) : [];
        int[] length = [history.Length];
        _comm.Broadcast(length.AsSpan());
        Array.Resize(ref history, length[0]);
        _comm.Broadcast(history.AsSpan());
        if (!_comm.IsRoot) _accounting.Restore(JsonSerializer.Deserialize<List<EpochMetrics>>(history, CheckpointFile.Json) ?? []);
        ((DataParallelTrainStep)_step).Inner.BroadcastValues(); // every carried tensor, rank 0's
        ShareMasks(null);
    }

    /// <summary>Current parameters and running statistics by name (to write a trained infer.onnx).</summary>
    public IReadOnlyDictionary<string, float[]> TrainedValues() =>
        _manifest.Parameters.Select(p => p.Name).Concat(_manifest.RunningStatistics.Select(s => s.Name))
            .ToDictionary(n => n, n => _step.Carried[n].ReadCurrent(), StringComparer.Ordinal);

    /// <summary>The neuron layers as the equilibrium controller sees them: channels and positions per channel of each activation.</summary>
    static IReadOnlyList<EqLayer> EquilibriumLayers(ArtifactManifest m) => m.Activations.Select(a =>
    {
        long positions = a.Shape.Skip(a.ChannelAxis + 1).Aggregate(1L, (p, d) => d > 0 ? p * d
            : throw new OnnxFormatException($"Activation '{a.Name}' has a run-time spatial size; NEq needs fixed sizes."));
        return new EqLayer(a.Layer, a.Channels, (int)positions);
    }).ToList();

    static (T Value, double Seconds) Timed<T>(Func<T> f)
    {
        var sw = Stopwatch.StartNew();
        var v = f();
        return (v, sw.Elapsed.TotalSeconds);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _step.Dispose();
        _evaluator.Dispose();
        _masks.Dispose();
    }
}
