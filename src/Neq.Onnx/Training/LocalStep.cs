using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;

namespace Neq.Onnx.Training;

/// <summary>
/// train.onnx in this process, on the host or the CUDA device: the general session, the session
/// specialised to the current masks, the carried tensors in swapped preallocated buffers
/// (initial values from infer.onnx), and the step path — <c>session.Run</c> over host buffers, or
/// IO binding (on CUDA only the batch goes in and loss, correct count and prediction come out).
/// </summary>
sealed class LocalStep : ITrainStep
{
    readonly ArtifactCompilation _compiled;
    readonly ArtifactManifest _m;
    readonly MaskSet _masks;
    readonly int _threads;
    readonly string _device;
    readonly bool _specialize;
    readonly bool _portable;
    readonly byte[] _generalModel;
    InferenceSession? _general;
    InferenceSession? _specialized;
    float[][]? _specializedFor;
    StepBinding? _binding;
    readonly RunOptions _run = new();
    readonly DeviceTensors _memory;
    readonly List<CarriedTensor> _carried = [];
    readonly Dictionary<string, CarriedTensor> _byName = new(StringComparer.Ordinal);
    readonly Dictionary<string, CarriedTensor> _outputOf = new(StringComparer.Ordinal);
    readonly float[] _lr = [0f];
    readonly OrtValue _lrValue;
    readonly float[] _loss = [0f];
    readonly long[] _correct = [0];
    readonly OrtValue _lossValue, _correctValue;
    readonly int _classes;
    readonly float[] _logits;
    readonly Dictionary<int, OrtValue> _predictionByCount = [];
    readonly string[] _inputs, _outputs;

    /// <param name="compiled">The artifacts and what they were compiled from (for specialised graphs).</param>
    /// <param name="masks">The masks the step reads (the trainer writes them).</param>
    /// <param name="options">Threads, device, whether to specialise.</param>
    /// <param name="path">How train.onnx runs.</param>
    /// <param name="batchSize">Largest batch (sizes the prediction buffer).</param>
    /// <param name="classes">Prediction width.</param>
    public LocalStep(ArtifactCompilation compiled, MaskSet masks, TrainerOptions options, StepPath path, int batchSize, int classes)
    {
        _compiled = compiled;
        _m = compiled.Artifacts.Manifest;
        _masks = masks;
        (_threads, _device, _specialize, _portable) = (options.Threads, options.Device, options.Specialize, options.Portable);
        if (_device == "cuda" && path != StepPath.DeviceBinding)
            throw new ArgumentException("On CUDA the trainer keeps its tensors on the device: only the device binding path runs there.");
        _generalModel = OnnxFile.Serialize(CpuKernels.Train(compiled, _device, _portable));
        using (var so = Sessions.Options(_threads, _device))
        {
            _general = new InferenceSession(_generalModel, so);
            // Device buffers come from the general session's allocator: it then lives as long as the step.
            _memory = path != StepPath.DeviceBinding ? DeviceTensors.Host()
                : _device == "cuda" ? DeviceTensors.Cuda(_general, so)
                : DeviceTensors.Device(_general, OrtMemoryInfo.DefaultInstance, so);
        }
        var sig = _m.Graphs.First(g => g.Role == "train");
        _inputs = sig.Inputs.Select(i => i.Name).ToArray();
        _outputs = sig.Outputs.Select(o => o.Name).ToArray();
        _lrValue = OrtValue.CreateTensorValueFromMemory(_lr, []);
        _lossValue = OrtValue.CreateTensorValueFromMemory(_loss, []);
        _correctValue = OrtValue.CreateTensorValueFromMemory(_correct, []);
        _classes = classes;
        _logits = new float[batchSize * classes];

        var initial = new InitialValues(compiled.Artifacts);
        foreach (var p in _m.Parameters) Carry(new CarriedTensor(p.Name, p.Output, p.Shape.ToArray(), initial.Of(p.Name, p.Shape, "infer.onnx"), _memory));
        foreach (var s in _m.OptimizerState.Concat(_m.RunningStatistics))
            Carry(new CarriedTensor(s.Name, s.Output, s.Shape.ToArray(), initial.Of(s.Name, s.Shape, s.Initial), _memory));

        if (path != StepPath.Run) _binding = new StepBinding(General(), _m, _byName, _lossValue, _correctValue);
    }

    void Carry(CarriedTensor t) { _carried.Add(t); _byName[t.Name] = t; _outputOf[t.Output] = t; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, CarriedTensor> Carried => _byName;

    /// <inheritdoc />
    public double SpecializeSeconds { get; private set; }

    /// <summary>The train.onnx session of the current masks: specialised to them, or the general one.</summary>
    InferenceSession Train => _specialized ?? General();

    /// <summary>The general train.onnx session (every mask an input), made again if it was released (<see cref="UseSession"/>).</summary>
    InferenceSession General()
    {
        if (_general is null)
        {
            using var so = Sessions.Options(_threads, _device);
            _general = new InferenceSession(_generalModel, so);
        }
        return _general;
    }

    /// <inheritdoc />
    public void BeginEpoch(double learningRate)
    {
        _lr[0] = (float)learningRate;
        _binding?.BindEpochInputs(EpochInput);
    }

    /// <inheritdoc />
    public float Step(OrtValue images, OrtValue labels, int count)
    {
        var prediction = PredictionBuffer(count);
        if (_binding is not null) _binding.Run(_run, _carried.FirstOrDefault()?.Parity ?? 0, images, labels, prediction);
        else RunStep(images, labels, prediction);
        if (float.IsFinite(_loss[0]))
            foreach (var c in _carried) c.Swap();
        return _loss[0];
    }

    /// <inheritdoc />
    public ReadOnlySpan<float> Prediction(int count) => _logits.AsSpan(0, count * _classes);

    /// <summary>The learning rate or a mask (the inputs that change per epoch, not per step).</summary>
    OrtValue EpochInput(string name) => name == _m.LearningRate ? _lrValue
        : _masks.ValueOf(name) ?? throw new OnnxFormatException($"train.onnx input '{name}' is neither data, labels, learning rate, mask nor carried tensor.");

    /// <summary>The host logits buffer viewed as [count, classes]: one wrapper per batch size, made once.</summary>
    OrtValue PredictionBuffer(int count)
    {
        if (!_predictionByCount.TryGetValue(count, out var v))
            _predictionByCount[count] = v = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _logits.AsMemory(0, count * _classes), [count, _classes]);
        return v;
    }

    /// <summary>One step through <c>session.Run</c> over the host buffers.</summary>
    void RunStep(OrtValue x, OrtValue y, OrtValue prediction) => RunStep(Train, EpochInput, x, y, prediction);

    /// <summary>
    /// One run of <paramref name="session"/> reading the current carried tensors and writing the
    /// next ones (which become current only when <see cref="Step"/> swaps them); the learning rate
    /// and masks come from <paramref name="epochInput"/>.
    /// </summary>
    void RunStep(InferenceSession session, Func<string, OrtValue> epochInput, OrtValue x, OrtValue y, OrtValue prediction)
    {
        var inputs = _inputs.Select(n =>
            n == _m.DataInputs[0].Name ? x : n == _m.Labels.Name ? y
            : _byName.TryGetValue(n, out var c) ? c.CurrentValue : epochInput(n)).ToArray();
        var outputs = _outputs.Select(n =>
            n == _m.LossOutput ? _lossValue : n == _m.CorrectOutput ? _correctValue : n == _m.Prediction ? prediction
            : _outputOf[n].NextValue).ToArray();
        session.Run(_run, _inputs, inputs, _outputs, outputs);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Both graphs run through <c>session.Run</c> and write only the next buffers, which the next
    /// real step overwrites, so the state is untouched. On the host the general session is released
    /// while a specialised one trains (<see cref="UseSession"/>); it is made again here, warmed up
    /// with one untimed run, and released again after, so the timing costs a session build per
    /// epoch but no memory between epochs.
    /// </remarks>
    public StepTiming? TimeAgainstDense(OrtValue images, OrtValue labels, int count, int rounds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        if (_specialized is not { } specialized) return null;
        var clock = Stopwatch.StartNew();
        var general = General();
        var open = _m.Masks.ToDictionary(k => k.Name, k => OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1f, k.Channels).ToArray(), [k.Channels]), StringComparer.Ordinal);
        try
        {
            OrtValue openInput(string n) => open.TryGetValue(n, out var v) ? v : EpochInput(n);
            var prediction = PredictionBuffer(count);
            RunStep(general, openInput, images, labels, prediction); // warm-up: a new session's first run allocates its arena
            var (step, dense) = (new double[rounds], new double[rounds]);
            for (int r = 0; r < rounds; r++)
            {
                var t = Stopwatch.GetTimestamp();
                RunStep(specialized, EpochInput, images, labels, prediction);
                step[r] = Stopwatch.GetElapsedTime(t).TotalSeconds;
                t = Stopwatch.GetTimestamp();
                RunStep(general, openInput, images, labels, prediction);
                dense[r] = Stopwatch.GetElapsedTime(t).TotalSeconds;
            }
            return new StepTiming(Median(step), Median(dense), clock.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var v in open.Values) v.Dispose();
            if (_memory.OnHost)
            {
                _general?.Dispose();
                _general = null;
            }
        }
    }

    static double Median(double[] v)
    {
        Array.Sort(v);
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>
    /// With <see cref="TrainerOptions.Specialize"/> and a frozen channel, a train.onnx built for
    /// exactly these masks, in which frozen neurons cost no weight-gradient work
    /// (<see cref="ArtifactCompilation.SpecializedTrain"/>; same inputs, outputs and results as the
    /// general graph); otherwise the general one. Masks change once per epoch, so the build (timed
    /// in <see cref="SpecializeSeconds"/>) is paid once per epoch.
    /// </summary>
    public void UseMasks()
    {
        SpecializeSeconds = 0;
        if (!_specialize || !_masks.AnyFrozen)
        {
            UseSession(null);
            return;
        }
        if (_specializedFor is { } built && _masks.Matches(built)) return;
        var clock = Stopwatch.StartNew();
        var snapshot = _masks.Snapshot();
        var model = CpuKernels.Train(_compiled, _device, _portable, snapshot);
        InferenceSession session;
        using (var so = Sessions.Options(_threads, _device))
            session = new InferenceSession(OnnxFile.Serialize(model), so);
        UseSession(session);
        _specializedFor = snapshot;
        SpecializeSeconds = clock.Elapsed.TotalSeconds;
    }

    /// <inheritdoc />
    public void EndEpoch() { }

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
            _general?.Dispose();
            _general = null;
        }
        if (_binding is null) return;
        // IO bindings belong to a session: the new one gets its own (the epoch inputs are bound when the epoch starts).
        _binding.Dispose();
        _binding = new StepBinding(Train, _m, _byName, _lossValue, _correctValue);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _binding?.Dispose();
        foreach (var c in _carried) c.Dispose();
        foreach (var v in _predictionByCount.Values) v.Dispose();
        _lrValue.Dispose();
        _lossValue.Dispose();
        _correctValue.Dispose();
        _specialized?.Dispose();
        _memory.Dispose();
        _general?.Dispose();
        _run.Dispose();
    }
}
