using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Data;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Artifacts;
using EqLayer = Neq.Onnx.Equilibrium.EquilibriumLayer;

namespace Neq.Onnx.Training;

/// <summary>
/// Trains with NEq: runs the artifacts' train.onnx over the training set, eval.onnx over the
/// validation subset (activations → φ, Δφ, velocity → masks) and the test set, keeping parameters,
/// optimizer state and running statistics in swapped preallocated buffers — on the host, or on the
/// CUDA device with IO binding so that only the batch goes in and loss, correct count and
/// prediction come out per step. <see cref="Run"/> is the loop; the pieces are public so a caller
/// can drive or test them one by one.
/// </summary>
public sealed class NeqTrainer : IDisposable
{
    readonly TrainerOptions _o;
    readonly ArtifactManifest _m;
    readonly InferenceSession _eval;
    readonly byte[] _denseModel;
    InferenceSession? _dense;
    readonly RunOptions _run = new();
    readonly DeviceTensors _memory;
    readonly ModelProto _forward;
    readonly ArtifactOptions _artifactOptions;
    InferenceSession? _specialized;
    float[][]? _specializedFor;
    double _specializeSeconds;
    StepBinding? _binding;
    readonly List<CarriedTensor> _carried = [];
    readonly Dictionary<string, CarriedTensor> _byName = new(StringComparer.Ordinal);
    readonly Dictionary<string, CarriedTensor> _outputOf = new(StringComparer.Ordinal);
    readonly (string Name, float[] Data, OrtValue Value)[] _masks;
    readonly BatchLoader _trainLoader;
    readonly BatchLoader? _valLoader;
    readonly BatchLoader _testLoader;
    readonly LayerCosts _costs;
    readonly int _classes, _neurons;
    readonly float[] _lr = [0f];
    readonly OrtValue _lrValue;
    readonly float[] _loss = [0f];
    readonly long[] _correct = [0];
    readonly OrtValue _lossValue, _correctValue;
    readonly float[] _logits;
    readonly Dictionary<int, OrtValue> _predictionByCount = [];
    readonly string[] _trainInputs, _trainOutputs;
    readonly List<EpochMetrics> _history = [];
    EquilibriumController? _controller;

    /// <summary>The train.onnx session of the current masks: specialised to them, or the general one.</summary>
    InferenceSession Train => _specialized ?? Dense();

    /// <summary>The general train.onnx session, made again if it was released (<see cref="UseSession"/>).</summary>
    InferenceSession Dense()
    {
        if (_dense is null)
        {
            using var so = Sessions.Options(_o.Threads, _o.Device);
            _dense = new InferenceSession(_denseModel, so);
        }
        return _dense;
    }

    /// <summary>
    /// The step path of each device: CUDA keeps the carried tensors on the device with IO binding;
    /// on the CPU, where the paths give the same bits, IO binding measured no faster than
    /// <c>session.Run</c> for ResNet-32 (docs/cuda.md), so the CPU keeps <see cref="StepPath.Run"/>.
    /// </summary>
    internal static StepPath DefaultPath(string device) => device == "cuda" ? StepPath.DeviceBinding : CpuDefault;

    internal const StepPath CpuDefault = StepPath.Run;

    /// <summary>Sets up sessions, buffers (initial values from infer.onnx) and data loaders.</summary>
    public NeqTrainer(TrainingArtifactSet artifacts, Cifar10Data data, TrainerOptions options)
        : this(artifacts, data, options, DefaultPath(options.Device))
    {
    }

    /// <summary>As the public constructor, with the step path chosen (tests run each).</summary>
    internal NeqTrainer(TrainingArtifactSet artifacts, Cifar10Data data, TrainerOptions options, StepPath path)
    {
        options.Validate();
        _o = options;
        _m = artifacts.Manifest;
        _forward = artifacts.Infer;
        _artifactOptions = ArtifactOptions.FromManifest(_m);
        if (_m.DataInputs.Count != 1)
            throw new OnnxFormatException($"The model has {_m.DataInputs.Count} data inputs; the CIFAR trainer feeds exactly one image batch.");
        _classes = CheckClassifier(_m, data);
        if (options.Device == "cuda" && path != StepPath.DeviceBinding)
            throw new ArgumentException("On CUDA the trainer keeps its tensors on the device: only the device binding path runs there.");
        using (var so = Sessions.Options(options.Threads, options.Device))
        {
            _denseModel = OnnxFile.Serialize(artifacts.Train);
            _dense = new InferenceSession(_denseModel, so);
            _eval = new InferenceSession(OnnxFile.Serialize(artifacts.Eval), so);
            // Device buffers come from the general session's allocator: it then lives as long as the trainer.
            _memory = path != StepPath.DeviceBinding ? DeviceTensors.Host()
                : options.Device == "cuda" ? DeviceTensors.Cuda(_dense, so)
                : DeviceTensors.Device(_dense, OrtMemoryInfo.DefaultInstance, so);
        }
        var trainSig = _m.Graphs.First(g => g.Role == "train");
        _trainInputs = trainSig.Inputs.Select(i => i.Name).ToArray();
        _trainOutputs = trainSig.Outputs.Select(o => o.Name).ToArray();
        _lrValue = OrtValue.CreateTensorValueFromMemory(_lr, []);
        _lossValue = OrtValue.CreateTensorValueFromMemory(_loss, []);
        _correctValue = OrtValue.CreateTensorValueFromMemory(_correct, []);

        var initial = artifacts.Infer.Graph.Initializer.ToDictionary(t => t.Name, t => t, StringComparer.Ordinal);
        float[] Initial(string name, IReadOnlyList<long> shape, string how) => how == "zeros"
            ? new float[shape.Aggregate(1L, (a, b) => a * b)]
            : initial.TryGetValue(name, out var t) ? t.ToFloatArray()
            : throw new OnnxFormatException($"infer.onnx has no initial value for '{name}'.");
        foreach (var p in _m.Parameters) Carry(new CarriedTensor(p.Name, p.Output, p.Shape.ToArray(), Initial(p.Name, p.Shape, "infer.onnx"), _memory));
        foreach (var s in _m.OptimizerState.Concat(_m.RunningStatistics))
            Carry(new CarriedTensor(s.Name, s.Output, s.Shape.ToArray(), Initial(s.Name, s.Shape, s.Initial), _memory));
        _masks = _m.Masks.Select(k =>
        {
            var ones = Enumerable.Repeat(1f, k.Channels).ToArray();
            return (k.Name, ones, OrtValue.CreateTensorValueFromMemory(ones, [k.Channels]));
        }).ToArray();

        if (path != StepPath.Run) _binding = new StepBinding(Dense(), _m, _byName, _lossValue, _correctValue);

        var split = DataSplit.Create(data.Train.Count, options.ValSize, options.Seed);
        var trainIdx = options.TrainLimit is int n ? split.Train.Take(n).ToArray() : split.Train;
        _trainLoader = new BatchLoader(data.Train, new BatchLoaderOptions(options.BatchSize, Shuffle: true, Augment: true, Seed: options.Seed), trainIdx);
        if (split.Validation.Length > 0)
            _valLoader = new BatchLoader(data.Train, new BatchLoaderOptions(options.EvalBatchSize, Shuffle: false, Augment: false, Seed: options.Seed), split.Validation);
        var testIdx = Enumerable.Range(0, Math.Min(data.Test.Count, options.TestLimit ?? int.MaxValue)).ToArray();
        _testLoader = new BatchLoader(data.Test, new BatchLoaderOptions(options.EvalBatchSize, Shuffle: false, Augment: false, Seed: options.Seed), testIdx);
        _logits = new float[_trainLoader.BatchSize * _classes];

        _costs = LayerCosts.Of(artifacts.Infer);
        _neurons = FreezeAccounting.NeuronCount(EquilibriumLayers(), _classes);
        if (options.UseNeq && _valLoader is not null)
            _controller = new EquilibriumController(EquilibriumLayers(), _valLoader.Count, options.Equilibrium);
    }

    void Carry(CarriedTensor t) { _carried.Add(t); _byName[t.Name] = t; _outputOf[t.Output] = t; }

    /// <summary>Metrics of the epochs completed so far.</summary>
    public IReadOnlyList<EpochMetrics> History => _history;

    /// <summary>The first epoch still to train.</summary>
    public int NextEpoch => _history.Count;

    /// <summary>Bytes the equilibrium controller holds for previous activations.</summary>
    public long ActivationBytes => _controller?.ActivationBytes ?? 0;

    /// <summary>Training images per epoch, validation and test images.</summary>
    public (int Train, int Validation, int Test) Sizes => (_trainLoader.Count, _valLoader?.Count ?? 0, _testLoader.Count);

    /// <summary>
    /// The loop: train epoch → evaluate validation subset → equilibrium update → masks →
    /// checkpoint → log, from <see cref="NextEpoch"/> to the last epoch.
    /// </summary>
    public void Run(Action<EpochMetrics, EquilibriumUpdate?> log, Action<TrainerCheckpoint> checkpoint,
        IProgress<TrainerProgress>? progress = null, CancellationToken ct = default)
    {
        if (_controller is { HasReference: false }) ReferencePass(progress, ct);
        for (int epoch = NextEpoch; epoch < _o.Epochs; epoch++)
        {
            var trainedFrozen = FrozenFractions();
            var (train, trainTime) = Timed(() => TrainEpoch(epoch, progress, ct));
            var ((val, update), neqTime) = Timed(() => ValidateAndUpdate(epoch, progress, ct));
            double specializeTime = 0;
            if (update is not null) { ApplyMasks(update); specializeTime = SpecializeSeconds; }
            var (test, testTime) = Timed(() => Evaluate(_testLoader, "test", epoch, null, progress, ct));
            var metrics = Record(epoch, train, val, test, trainedFrozen, update, (trainTime, neqTime, testTime, specializeTime));
            _history.Add(metrics);
            // Checkpoint before logging: an epoch shows in the logs only once it is durable, so a
            // run killed at any moment never reports an epoch that --resume would train again.
            checkpoint(Capture());
            log(metrics, update);
        }
    }

    /// <summary>Runs the untrained model over the validation subset: NEq's reference for epoch 0.</summary>
    public void ReferencePass(IProgress<TrainerProgress>? progress = null, CancellationToken ct = default)
    {
        if (_controller is null || _valLoader is null) return;
        Evaluate(_valLoader, "reference", -1, _controller, progress, ct);
        _controller.CompletePass();
    }

    /// <summary>One training epoch at the schedule's learning rate with the current masks.</summary>
    public ClassificationStats TrainEpoch(int epoch, IProgress<TrainerProgress>? progress = null, CancellationToken ct = default)
    {
        _lr[0] = (float)_o.Schedule.At(epoch);
        _binding?.BindEpochInputs(EpochInput);
        var stats = new ClassificationStats();
        foreach (var batch in _trainLoader.ReadEpoch(epoch, ct))
        {
            using (batch)
            {
                using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Images, _trainLoader.BatchShape(batch.Index));
                using var y = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Labels, [batch.Count]);
                var prediction = PredictionBuffer(batch.Count);
                if (_binding is not null) _binding.Run(_run, _carried.FirstOrDefault()?.Parity ?? 0, x, y, prediction);
                else RunStep(x, y, prediction);
                if (!float.IsFinite(_loss[0]))
                    throw new TrainingDivergedException($"the training loss became {_loss[0]} at epoch {epoch}, batch {batch.Index} (learning rate {_lr[0]}); training stopped.");
                foreach (var c in _carried) c.Swap();
                stats.Add(_logits.AsSpan(0, batch.Count * _classes), batch.Labels.Span, _classes);
                progress?.Report(new TrainerProgress("train", epoch, batch.Index + 1, _trainLoader.BatchCount, stats.Loss));
            }
        }
        ct.ThrowIfCancellationRequested(); // the loader stops early when cancelled: never count a partial epoch
        return stats;
    }

    /// <summary>The learning rate or a mask (the inputs that change per epoch, not per step).</summary>
    OrtValue EpochInput(string name) => name == _m.LearningRate ? _lrValue
        : _masks.FirstOrDefault(k => k.Name == name).Value ?? throw new OnnxFormatException($"train.onnx input '{name}' is neither data, labels, learning rate, mask nor carried tensor.");

    /// <summary>The host logits buffer viewed as [count, classes]: one wrapper per batch size, made once.</summary>
    OrtValue PredictionBuffer(int count)
    {
        if (!_predictionByCount.TryGetValue(count, out var v))
            _predictionByCount[count] = v = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _logits.AsMemory(0, count * _classes), [count, _classes]);
        return v;
    }

    /// <summary>One step through <c>session.Run</c> over the host buffers.</summary>
    void RunStep(OrtValue x, OrtValue y, OrtValue prediction)
    {
        var inputs = _trainInputs.Select(n =>
            n == _m.DataInputs[0].Name ? x : n == _m.Labels.Name ? y
            : _byName.TryGetValue(n, out var c) ? c.CurrentValue : EpochInput(n)).ToArray();
        var outputs = _trainOutputs.Select(n =>
            n == _m.LossOutput ? _lossValue : n == _m.CorrectOutput ? _correctValue : n == _m.Prediction ? prediction
            : _outputOf[n].NextValue).ToArray();
        Train.Run(_run, _trainInputs, inputs, _trainOutputs, outputs);
    }

    (ClassificationStats? Val, EquilibriumUpdate? Update) ValidateAndUpdate(int epoch, IProgress<TrainerProgress>? progress, CancellationToken ct)
    {
        if (_valLoader is null) return (null, null);
        var val = Evaluate(_valLoader, "validate", epoch, _controller, progress, ct);
        return (val, _controller?.CompletePass());
    }

    /// <summary>
    /// Sets each layer's mask for the next epoch from an equilibrium update (1 = trains), and the
    /// training step to match (<see cref="SpecializeToMasks"/>).
    /// </summary>
    public void ApplyMasks(EquilibriumUpdate update)
    {
        foreach (var (name, data, _) in _masks)
        {
            var layer = _m.Masks.First(k => k.Name == name).Layer;
            update.Layers.First(l => l.Layer.Name == layer).WriteTrainableMask(data);
        }
        SpecializeToMasks();
    }

    /// <summary>
    /// Seconds the last change of masks took to build the specialised train.onnx and its session
    /// (0 when the masks did not change, nothing is frozen, or specialisation is off).
    /// </summary>
    public double SpecializeSeconds => _specializeSeconds;

    /// <summary>
    /// Makes the step session match the current masks: with <see cref="TrainerOptions.Specialize"/>
    /// and a frozen channel, a train.onnx built for exactly these masks, in which frozen neurons cost
    /// no weight-gradient work (<see cref="TrainingArtifacts.BuildSpecializedTrain"/>; same inputs,
    /// outputs and results as the general graph); otherwise the general one. Masks change once per
    /// epoch, so the build (timed in <see cref="SpecializeSeconds"/>) is paid once per epoch.
    /// </summary>
    void SpecializeToMasks()
    {
        _specializeSeconds = 0;
        bool frozen = _masks.Any(k => k.Data.Contains(0f));
        if (!_o.Specialize || !frozen)
        {
            UseSession(null);
            return;
        }
        if (_specializedFor is { } built && built.Zip(_masks).All(p => p.First.AsSpan().SequenceEqual(p.Second.Data))) return;
        var clock = Stopwatch.StartNew();
        var masks = _masks.ToDictionary(k => k.Name, k => k.Data, StringComparer.Ordinal);
        var model = TrainingArtifacts.BuildSpecializedTrain(_forward, _artifactOptions, masks);
        InferenceSession session;
        using (var so = Sessions.Options(_o.Threads, _o.Device))
            session = new InferenceSession(OnnxFile.Serialize(model), so);
        UseSession(session);
        _specializedFor = _masks.Select(k => (float[])k.Data.Clone()).ToArray();
        _specializeSeconds = clock.Elapsed.TotalSeconds;
    }

    /// <summary>Switches the step to <paramref name="specialized"/> (null: the general graph), rebinding when bound.</summary>
    void UseSession(InferenceSession? specialized)
    {
        if (specialized is null && _specialized is null) return;
        _specialized?.Dispose();
        _specialized = specialized;
        _specializedFor = null;
        // On the host the general session holds only its own working memory (its activation arena,
        // hundreds of MB at batch 100): release it while unused. Device buffers come from its
        // allocator, so there it stays.
        if (specialized is not null && _memory.OnHost)
        {
            _dense?.Dispose();
            _dense = null;
        }
        if (_binding is null) return;
        // IO bindings belong to a session: the new one gets its own (the epoch inputs are bound when the epoch starts).
        _binding.Dispose();
        _binding = new StepBinding(Train, _m, _byName, _lossValue, _correctValue);
    }

    /// <summary>Runs eval.onnx over a loader's images; feeds activations to the controller when given.</summary>
    public ClassificationStats Evaluate(BatchLoader loader, string phase, int epoch, EquilibriumController? controller,
        IProgress<TrainerProgress>? progress = null, CancellationToken ct = default)
    {
        var stats = new ClassificationStats();
        var sig = _m.Graphs.First(g => g.Role == "eval");
        var inNames = sig.Inputs.Select(i => i.Name).ToArray();
        var outNames = controller is null ? [_m.Prediction] : new[] { _m.Prediction }.Concat(_m.Activations.Select(a => a.Name)).ToArray();
        int first = 0;
        foreach (var batch in loader.ReadEpoch(0, ct))
        {
            using (batch)
            {
                using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Images, loader.BatchShape(batch.Index));
                var inputs = inNames.Select(n => n == _m.DataInputs[0].Name ? x : _byName[n].CurrentValue).ToArray();
                using var outs = _eval.Run(_run, inNames, inputs, outNames);
                stats.Add(outs[0].GetTensorDataAsSpan<float>(), batch.Labels.Span, _classes);
                if (controller is not null)
                    Parallel.For(0, _m.Activations.Count, i => controller.Observe(i, first, outs[i + 1].GetTensorDataAsSpan<float>()));
                first += batch.Count;
                progress?.Report(new TrainerProgress(phase, epoch, batch.Index + 1, loader.BatchCount, stats.Loss));
            }
        }
        ct.ThrowIfCancellationRequested();
        return stats;
    }

    EpochMetrics Record(int epoch, ClassificationStats train, ClassificationStats? val, ClassificationStats test,
        IReadOnlyDictionary<string, double> trainedFrozen, EquilibriumUpdate? update, (double Train, double Neq, double Test, double Specialize) seconds)
    {
        double frozenNeurons(IReadOnlyDictionary<string, double> f) =>
            100.0 * _m.Masks.Sum(k => f[k.Layer] * k.Channels) / _neurons;
        var nextFrozen = update is null || !_o.UseNeq ? FrozenFractions() : update.Layers.ToDictionary(l => l.Layer.Name, l => l.FrozenFraction);
        double bprop = _costs.Unfrozen + _costs.PerLayer.Sum(kv => kv.Value * (1 - trainedFrozen.GetValueOrDefault(kv.Key)));
        double meanRemaining = (_history.Sum(h => h.BpropFlopsPerSample) + bprop) / (_history.Count + 1);
        return new EpochMetrics(epoch, _o.Schedule.At(epoch),
            train.Loss, train.Top1, train.Top5,
            val?.Loss ?? double.NaN, val?.Top1 ?? double.NaN, val?.Top5 ?? double.NaN,
            test.Loss, test.Top1, test.Top5,
            frozenNeurons(trainedFrozen), frozenNeurons(nextFrozen),
            nextFrozen.ToDictionary(kv => kv.Key, kv => 100.0 * kv.Value),
            bprop, 100.0 * FreezeAccounting.Saving(meanRemaining, _costs.Total),
            seconds.Train, seconds.Neq, seconds.Test, ActivationBytes, seconds.Specialize);
    }

    /// <summary>Frozen fraction per layer in the current masks.</summary>
    IReadOnlyDictionary<string, double> FrozenFractions() =>
        _masks.ToDictionary(k => _m.Masks.First(x => x.Name == k.Name).Layer, k => (double)k.Data.Count(v => v == 0) / k.Data.Length, StringComparer.Ordinal);

    /// <summary>The state to checkpoint after the last completed epoch.</summary>
    public TrainerCheckpoint Capture() => new(
        _history.Count, _o.Seed,
        _carried.ToDictionary(c => c.Name, c => c.ReadCurrent(), StringComparer.Ordinal),
        _masks.ToDictionary(k => k.Name, k => (float[])k.Data.Clone(), StringComparer.Ordinal),
        _controller?.CaptureState(),
        _history.ToList());

    /// <summary>Continues from a checkpoint of the same model and options.</summary>
    public void Restore(TrainerCheckpoint cp, string source)
    {
        if (cp.Seed != _o.Seed) throw new InvalidDataException($"{source}: the checkpoint was written with --seed {cp.Seed}, this run has {_o.Seed}.");
        foreach (var c in _carried)
            c.Set(cp.Tensors.TryGetValue(c.Name, out var v) && v.LongLength == c.Shape.Aggregate(1L, (a, d) => a * d) ? v
                : throw new InvalidDataException($"{source}: no value of the right size for '{c.Name}': the checkpoint belongs to another model or optimizer."));
        foreach (var (name, data, _) in _masks)
            (cp.Masks.TryGetValue(name, out var v) && v.Length == data.Length ? v : throw new InvalidDataException($"{source}: no mask '{name}'.")).CopyTo(data, 0);
        SpecializeToMasks();
        if (_o.UseNeq && cp.Equilibrium is { } eq)
            _controller = EquilibriumController.Restore(eq, _o.Equilibrium);
        _history.Clear();
        _history.AddRange(cp.History);
    }

    /// <summary>Current parameters and running statistics by name (to write a trained infer.onnx).</summary>
    public IReadOnlyDictionary<string, float[]> TrainedValues() =>
        _m.Parameters.Select(p => p.Name).Concat(_m.RunningStatistics.Select(s => s.Name))
            .ToDictionary(n => n, n => _byName[n].ReadCurrent(), StringComparer.Ordinal);

    IReadOnlyList<EqLayer> EquilibriumLayers() => _m.Activations.Select(a =>
    {
        long positions = a.Shape.Skip(a.ChannelAxis + 1).Aggregate(1L, (p, d) => d > 0 ? p * d
            : throw new OnnxFormatException($"Activation '{a.Name}' has a run-time spatial size; NEq needs fixed sizes."));
        return new EqLayer(a.Layer, a.Channels, (int)positions);
    }).ToList();

    static int CheckClassifier(ArtifactManifest m, Cifar10Data data)
    {
        var input = m.DataInputs[0];
        var expect = new long[] { data.Train.Channels, data.Train.Height, data.Train.Width };
        if (input.Shape.Count != 4 || !input.Shape.Skip(1).SequenceEqual(expect))
            throw new OnnxFormatException($"The model's input '{input.Name}' has shape [{string.Join(",", input.Shape)}]; CIFAR-10 needs [N,{string.Join(",", expect)}].");
        var pred = m.Graphs.First(g => g.Role == "eval").Outputs.First(o => o.Name == m.Prediction);
        if (pred.Shape.Count != 2 || pred.Shape[1] != 10)
            throw new OnnxFormatException($"The model's output '{pred.Name}' has shape [{string.Join(",", pred.Shape)}]; a CIFAR-10 classifier outputs [N,10].");
        return (int)pred.Shape[1];
    }

    static (T Value, double Seconds) Timed<T>(Func<T> f)
    {
        var sw = Stopwatch.StartNew();
        var v = f();
        return (v, sw.Elapsed.TotalSeconds);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _binding?.Dispose();
        foreach (var c in _carried) c.Dispose();
        foreach (var k in _masks) k.Value.Dispose();
        foreach (var v in _predictionByCount.Values) v.Dispose();
        _lrValue.Dispose();
        _lossValue.Dispose();
        _correctValue.Dispose();
        _specialized?.Dispose();
        _memory.Dispose();
        _dense?.Dispose();
        _eval.Dispose();
        _run.Dispose();
    }
}
