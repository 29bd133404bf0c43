using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Training;

namespace Neq.Onnx.Distributed;

/// <summary>
/// One synchronous data-parallel training step over the split artifacts (<see cref="ArtifactOptions.Split"/>):
/// every rank runs grad.onnx on its shard of the global batch, the gradients are averaged over the
/// ranks with one in-place allreduce, and every rank runs update.onnx on the same averaged gradient,
/// so parameters and optimizer state stay identical on every rank (<see cref="VerifyIdenticalParameters"/>).
/// BatchNormalization uses each rank's local batch statistics (PyTorch DDP's default); each rank
/// updates its own running statistics, which <see cref="AverageRunningStatistics"/> averages.
/// With one rank it is exactly the split step of one process (no scaling, no copies).
/// <para>
/// Weighting: grad.onnx gives the mean gradient of rank r's n_r images, g_r. The global batch's mean
/// gradient is Σ_r n_r·g_r / N with N = Σ_r n_r, so each rank multiplies g_r by n_r, the allreduce
/// sums, and every rank divides by N; n_r, n_r·loss_r and the correct count travel in the same
/// buffer, so uneven shards (a last batch that does not split evenly, or an empty shard) need no
/// other message and one allreduce per step suffices.
/// </para>
/// <para>
/// Overlap: grad.onnx is one ONNX Runtime run whose gradients all appear when it returns, so there is
/// no late-layer gradient to reduce while earlier ones are computed (that would need grad.onnx cut
/// into several runs, losing ONNX Runtime's fusion across the cuts), and one allreduce of the whole
/// buffer beats buckets of it (one latency instead of several). What overlap could hide is small:
/// on two local ranks of a 2-core machine shared with other work, a 4 MB float allreduce took
/// 1.0 ms (Open MPI; 28–56 ms under heavy load), and a ResNet-32 step at global batch 128 spent
/// 0.1 s of 4.4–5.0 s in the reduce phase (1.86 MB of gradients, waiting for the slower rank included).
/// </para>
/// Buffers (shapes: n images of this rank, C·H·W per image, K classes):
/// one flat float buffer holds every gradient, then [n·loss, correct, n] (the reduce buffer);
/// grad.onnx writes the gradients into it and update.onnx reads them from it, through tensors made once.
/// Parameters, optimizer state and running statistics are <see cref="CarriedTensor"/>s on the host.
/// </summary>
public sealed class DataParallelStep : IDisposable
{
    readonly ArtifactManifest _m;
    readonly Communicator _comm;
    readonly InferenceSession _generalGrad, _update;
    InferenceSession? _specializedGrad;
    readonly ArtifactCompilation _compiled;
    readonly int _threads;
    readonly bool _portable;
    readonly RunOptions _run = new();
    readonly ManifestGraph _gradSig, _updateSig;
    readonly Dictionary<string, CarriedTensor> _byName = new(StringComparer.Ordinal);
    readonly Dictionary<string, CarriedTensor> _outputOf = new(StringComparer.Ordinal);
    readonly CarriedTensor[] _parameters, _state, _running;
    readonly float[] _reduce;
    readonly int _gradientFloats;
    readonly Dictionary<string, OrtValue> _gradients = new(StringComparer.Ordinal);
    readonly Dictionary<string, (int Channels, OrtValue Ones)> _openMasks = new(StringComparer.Ordinal);
    readonly long[] _imageShape;
    readonly int _imageFloats, _classes;
    readonly float[] _loss = [0f], _lr = [0f];
    readonly long[] _correct = [0];
    readonly OrtValue _lossValue, _correctValue, _lrValue;
    float[] _prediction = [];
    int _lastCount;

    /// <summary>Opens grad.onnx and update.onnx and sets every carried tensor to its initial value (infer.onnx's initializers, optimizer state zeros).</summary>
    /// <exception cref="ArgumentException">The artifacts were built without <see cref="ArtifactOptions.Split"/>, or do not classify (loss ce, one image input).</exception>
    public DataParallelStep(ArtifactCompilation compiled, Communicator communicator, DataParallelStepOptions options)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        var artifacts = compiled.Artifacts;
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (artifacts.Grad is null || artifacts.Update is null)
            throw new ArgumentException("The data-parallel step needs grad.onnx and update.onnx: build the artifacts with Split = true (graph-builder artifacts --split).", nameof(artifacts));
        _m = artifacts.Manifest;
        if (_m.Loss != "ce" || _m.CorrectOutput is null)
            throw new ArgumentException($"The data-parallel step trains classifiers (loss ce with int64 labels); these artifacts use loss '{_m.Loss}'.", nameof(artifacts));
        if (_m.DataInputs.Count != 1)
            throw new ArgumentException($"The model has {_m.DataInputs.Count} data inputs; the data-parallel step feeds exactly one image batch.", nameof(artifacts));
        _comm = communicator;
        (_compiled, _threads, _portable) = (compiled, options.Threads, options.Portable);
        _gradSig = _m.Graphs.First(g => g.Role == "grad");
        _updateSig = _m.Graphs.First(g => g.Role == "update");
        _imageShape = [.. _m.DataInputs[0].Shape];
        _imageFloats = (int)_imageShape.Skip(1).Aggregate(1L, (a, d) => a * d);
        var prediction = _gradSig.Outputs.First(o => o.Name == _m.Prediction);
        _classes = prediction.Shape.Count == 2 && prediction.Shape[1] > 0 ? (int)prediction.Shape[1]
            : throw new ArgumentException($"The prediction '{_m.Prediction}' is not [N, classes] with the classes known.", nameof(artifacts));

        using (var so = Sessions.Options(options.Threads, "cpu"))
        {
            _generalGrad = new InferenceSession(OnnxFile.Serialize(CpuKernels.Grad(compiled, _portable)), so);
            _update = new InferenceSession(OnnxFile.Serialize(artifacts.Update), so);
        }
        var memory = DeviceTensors.Host();
        var initial = new InitialValues(artifacts);
        CarriedTensor Carry(string name, string output, IReadOnlyList<long> shape, string how)
        {
            var c = new CarriedTensor(name, output, [.. shape], initial.Of(name, shape, how), memory);
            _byName[name] = c;
            _outputOf[output] = c;
            return c;
        }
        _parameters = [.. _m.Parameters.Select(p => Carry(p.Name, p.Output, p.Shape, "infer.onnx"))];
        _state = [.. _m.OptimizerState.Select(s => Carry(s.Name, s.Output, s.Shape, s.Initial))];
        _running = [.. _m.RunningStatistics.Select(s => Carry(s.Name, s.Output, s.Shape, s.Initial))];

        _gradientFloats = checked((int)_m.Parameters.Sum(p => p.Shape.Aggregate(1L, (a, d) => a * d)));
        _reduce = new float[_gradientFloats + 3];
        var offset = 0;
        foreach (var p in _m.Parameters)
        {
            var count = (int)p.Shape.Aggregate(1L, (a, d) => a * d);
            _gradients[p.Gradient] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _reduce.AsMemory(offset, count), [.. p.Shape]);
            offset += count;
        }
        foreach (var k in _m.Masks)
        {
            var ones = Enumerable.Repeat(1f, k.Channels).ToArray();
            _openMasks[k.Name] = (k.Channels, OrtValue.CreateTensorValueFromMemory(ones, [k.Channels]));
        }
        _lossValue = OrtValue.CreateTensorValueFromMemory(_loss, []);
        _correctValue = OrtValue.CreateTensorValueFromMemory(_correct, []);
        _lrValue = OrtValue.CreateTensorValueFromMemory(_lr, []);
    }

    /// <summary>The ranks this step averages over.</summary>
    public Communicator Communicator => _comm;

    /// <summary>Floats per image (the data input's shape without the batch axis).</summary>
    public int ImageFloats => _imageFloats;

    /// <summary>Classes of the prediction.</summary>
    public int Classes => _classes;

    /// <summary>Where the last step's time went on this rank.</summary>
    public DataParallelStepTimings LastTimings { get; private set; }

    /// <summary>The logits of this rank's images in the last step, row-major [n, classes] (for training top-k statistics).</summary>
    public ReadOnlyMemory<float> LocalPrediction => _prediction.AsMemory(0, _lastCount * _classes);

    /// <summary>
    /// One step. Every rank calls it for the same global batch, each with its own shard
    /// (<see cref="Data.DataShard"/>; a shard may be empty), the same learning rate and the same masks.
    /// </summary>
    /// <param name="images">This rank's images, n × C·H·W floats.</param>
    /// <param name="labels">Their class labels, n values.</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="masks">Mask values by mask input name (1 trains, 0 freezes); a mask left out (or null) trains every channel.</param>
    /// <returns>Loss, correct count and image count of the global batch, the same on every rank.</returns>
    /// <exception cref="ArgumentException">The images and labels disagree in count, or a mask is unknown or of the wrong length.</exception>
    /// <exception cref="InvalidOperationException">No rank had an image.</exception>
    public DataParallelStepResult Step(Memory<float> images, Memory<long> labels, float lr, IReadOnlyDictionary<string, float[]>? masks = null)
    {
        var n = labels.Length;
        if (images.Length != n * _imageFloats)
            throw new ArgumentException($"{images.Length} image floats for {n} labels; each image has {_imageFloats} floats.", nameof(images));
        // An empty shard runs no graph: it needs no tensors.
        using var x = n == 0 ? null : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, images, [n, .. _imageShape.Skip(1)]);
        using var y = n == 0 ? null : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, labels, [n]);
        return Step(x, y, n, lr, masks);
    }

    /// <summary>
    /// <see cref="Step(Memory{float}, Memory{long}, float, IReadOnlyDictionary{string, float[]}?)"/> over tensors
    /// the caller made (the trainer's batch, [n, …] and [n]; unused, and may be null, when n is 0). When the global loss is not finite the
    /// carried tensors stay as they were on every rank (the update is skipped, as the local step's).
    /// </summary>
    internal DataParallelStepResult Step(OrtValue? images, OrtValue? labels, int n, float lr, IReadOnlyDictionary<string, float[]>? masks)
    {
        var maskValues = MaskValues(masks);
        try
        {
            var tail = _reduce.AsSpan(_gradientFloats);
            var start = Stopwatch.GetTimestamp();
            if (n > 0)
            {
                RunGrad(images!, labels!, n, maskValues);
                tail[0] = _loss[0];
                tail[1] = _correct[0];
                tail[2] = n;
            }
            else
            {
                // An empty shard contributes nothing: zero gradients, no images.
                Array.Clear(_reduce);
            }
            _lastCount = n;
            var reduceStart = Stopwatch.GetTimestamp();
            if (_comm.Size > 1)
            {
                var gradients = _reduce.AsSpan(0, _gradientFloats);
                if (n > 0) TensorPrimitives.Multiply(gradients, n, gradients);
                tail[0] *= n;
                _comm.Allreduce(_reduce.AsSpan(), ReduceOperation.Sum);
                if (tail[2] == 0) throw new InvalidOperationException("The global batch is empty: no rank had an image.");
                TensorPrimitives.Multiply(gradients, 1f / tail[2], gradients);
                tail[0] /= tail[2];
            }
            else if (n == 0) throw new InvalidOperationException("The global batch is empty: no rank had an image.");
            _lr[0] = lr;
            var updateStart = Stopwatch.GetTimestamp();
            var result = new DataParallelStepResult(tail[0], (long)tail[1], (int)tail[2]);
            if (!float.IsFinite(result.Loss))
                return result; // every rank sees the same global loss, so every rank keeps its tensors
            if (n > 0)
                foreach (var r in _running) r.Swap();
            RunUpdate(maskValues);
            foreach (var c in _parameters) c.Swap();
            foreach (var c in _state) c.Swap();
            LastTimings = new(Stopwatch.GetElapsedTime(start, reduceStart).TotalSeconds, Stopwatch.GetElapsedTime(reduceStart, updateStart).TotalSeconds,
                Stopwatch.GetElapsedTime(updateStart).TotalSeconds);
            return result;
        }
        finally
        {
            foreach (var (value, owned) in maskValues.Values)
                if (owned) value.Dispose();
        }
    }

    /// <summary>The carried tensors by input name (parameters, optimizer state, running statistics), as <see cref="ITrainStep.Carried"/>.</summary>
    internal IReadOnlyDictionary<string, CarriedTensor> Carried => _byName;

    /// <summary>Bytes the allreduce of one step moves in and out of each rank: every gradient and three floats, 4 bytes each.</summary>
    public long ReduceBytes => 4L * _reduce.Length;

    void RunGrad(OrtValue x, OrtValue y, int n, Dictionary<string, (OrtValue Value, bool Owned)> masks)
    {
        if (_prediction.Length < n * _classes) _prediction = new float[n * _classes];
        using var p = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _prediction.AsMemory(0, n * _classes), [n, _classes]);
        var inputNames = _gradSig.Inputs.Select(i => i.Name).ToArray();
        var inputs = inputNames.Select(name =>
            name == _m.DataInputs[0].Name ? x : name == _m.Labels.Name ? y
            : _byName.TryGetValue(name, out var c) ? c.CurrentValue
            : masks.TryGetValue(name, out var k) ? k.Value
            : throw new OnnxFormatException($"grad.onnx input '{name}' is neither data, labels, carried tensor nor mask.")).ToArray();
        var outputNames = _gradSig.Outputs.Select(o => o.Name).ToArray();
        var outputs = outputNames.Select(name =>
            name == _m.LossOutput ? _lossValue : name == _m.CorrectOutput ? _correctValue : name == _m.Prediction ? p
            : _gradients.TryGetValue(name, out var g) ? g
            : _outputOf.TryGetValue(name, out var c) ? c.NextValue
            : throw new OnnxFormatException($"grad.onnx output '{name}' is neither loss, correct, prediction, gradient nor running statistic.")).ToArray();
        (_specializedGrad ?? _generalGrad).Run(_run, inputNames, inputs, outputNames, outputs);
    }

    void RunUpdate(Dictionary<string, (OrtValue Value, bool Owned)> masks)
    {
        var inputNames = _updateSig.Inputs.Select(i => i.Name).ToArray();
        var inputs = inputNames.Select(name =>
            name == _m.LearningRate ? _lrValue
            : _byName.TryGetValue(name, out var c) ? c.CurrentValue
            : _gradients.TryGetValue(name, out var g) ? g
            : masks.TryGetValue(name, out var k) ? k.Value
            : throw new OnnxFormatException($"update.onnx input '{name}' is neither learning rate, carried tensor, gradient nor mask.")).ToArray();
        var outputNames = _updateSig.Outputs.Select(o => o.Name).ToArray();
        var outputs = outputNames.Select(name => _outputOf.TryGetValue(name, out var c) ? c.NextValue
            : throw new OnnxFormatException($"update.onnx output '{name}' is not a carried tensor.")).ToArray();
        _update.Run(_run, inputNames, inputs, outputNames, outputs);
    }

    Dictionary<string, (OrtValue Value, bool Owned)> MaskValues(IReadOnlyDictionary<string, float[]>? masks)
    {
        var values = new Dictionary<string, (OrtValue, bool)>(StringComparer.Ordinal);
        if (masks is not null)
            foreach (var name in masks.Keys)
                if (!_openMasks.ContainsKey(name)) throw new ArgumentException($"'{name}' is not a mask of these artifacts.", nameof(masks));
        foreach (var (name, (channels, ones)) in _openMasks)
        {
            if (masks is null || !masks.TryGetValue(name, out var data)) { values[name] = (ones, false); continue; }
            if (data.Length != channels) throw new ArgumentException($"Mask '{name}' has {data.Length} values; its layer has {channels} channels.", nameof(masks));
            values[name] = (OrtValue.CreateTensorValueFromMemory(data, [channels]), true);
        }
        return values;
    }

    /// <summary>
    /// Runs grad.onnx specialised to <paramref name="masks"/> from now on (<see cref="ArtifactCompilation.SpecializedGrad"/>:
    /// frozen neurons cost no weight-gradient work), or the general grad.onnx again when null or
    /// nothing is frozen. Call it on every rank with the same (broadcast) masks whenever they change,
    /// and pass the same masks to <see cref="Step(Memory{float}, Memory{long}, float, IReadOnlyDictionary{string, float[]}?)"/>: graphs are deterministic, so every rank then runs the same step.
    /// </summary>
    public void SpecializeTo(IReadOnlyDictionary<string, float[]>? masks)
    {
        _specializedGrad?.Dispose();
        _specializedGrad = null;
        if (masks is null || masks.Values.All(v => v.All(x => x != 0))) return;
        var grad = CpuKernels.Grad(_compiled, _portable, _compiled.Masks.Select(k => masks.TryGetValue(k.Name, out var v) ? v : Enumerable.Repeat(1f, k.Channels).ToArray()).ToArray());
        using var so = Sessions.Options(_threads, "cpu");
        _specializedGrad = new InferenceSession(OnnxFile.Serialize(grad), so);
    }

    /// <summary>Host copies of every carried tensor (parameters, optimizer state, running statistics) by input name.</summary>
    public IReadOnlyDictionary<string, float[]> ReadValues() =>
        _parameters.Concat(_state).Concat(_running).ToDictionary(c => c.Name, c => c.ReadCurrent(), StringComparer.Ordinal);

    /// <summary>Overwrites the carried tensors named in <paramref name="values"/> (restoring a checkpoint); the others keep theirs.</summary>
    /// <exception cref="ArgumentException">A name is not a carried tensor, or a value has the wrong length.</exception>
    public void SetValues(IReadOnlyDictionary<string, float[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var (name, data) in values)
        {
            if (!_byName.TryGetValue(name, out var c)) throw new ArgumentException($"'{name}' is not a parameter, optimizer state or running statistic of these artifacts.", nameof(values));
            c.Set(data);
        }
    }

    /// <summary>
    /// Makes every rank hold rank <paramref name="root"/>'s carried tensors (after rank 0 alone read a
    /// checkpoint). One broadcast of all of them.
    /// </summary>
    public void BroadcastValues(int root = 0)
    {
        var all = _parameters.Concat(_state).Concat(_running).ToArray();
        var flat = Flatten(all);
        _comm.Broadcast(flat.AsSpan(), root);
        Unflatten(all, flat);
    }

    /// <summary>
    /// Replaces every rank's BatchNormalization running statistics by their mean over the ranks (once
    /// per epoch, before evaluating): each rank's are the exponential averages of its own shards' statistics.
    /// </summary>
    public void AverageRunningStatistics()
    {
        if (_comm.Size == 1 || _running.Length == 0) return;
        var flat = Flatten(_running);
        _comm.Allreduce(flat.AsSpan(), ReduceOperation.Sum);
        TensorPrimitives.Multiply(flat, 1f / _comm.Size, flat);
        Unflatten(_running, flat);
    }

    /// <summary>
    /// A 64-bit FNV-1a hash of the bits of every parameter and optimizer state tensor, in manifest
    /// order (running statistics are left out: they differ across ranks between averagings).
    /// </summary>
    public ulong ParameterChecksum() => _parameters.Concat(_state).Aggregate(FnvOffset, (h, c) => Hash(h, c.ReadCurrent()));

    /// <summary>
    /// Compares every parameter and optimizer state tensor across the ranks by checksum and throws on
    /// every rank, naming the tensors, when any differs: synchronous data parallelism keeps them
    /// bit-identical, so a difference means a rank trained on something else. One allreduce (MAX of h
    /// and of ¬h per tensor: the ranks agree iff max h = ¬max ¬h, i.e. max = min).
    /// </summary>
    /// <exception cref="InvalidOperationException">Some tensor differs between ranks.</exception>
    public void VerifyIdenticalParameters()
    {
        var tensors = _parameters.Concat(_state).ToArray();
        var hashes = new long[2 * tensors.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            var h = (long)Hash(FnvOffset, tensors[i].ReadCurrent());
            (hashes[2 * i], hashes[2 * i + 1]) = (h, ~h);
        }
        _comm.Allreduce(hashes.AsSpan(), ReduceOperation.Max);
        var differing = tensors.Where((_, i) => hashes[2 * i] != ~hashes[2 * i + 1]).Select(c => c.Name).ToArray();
        if (differing.Length > 0)
            throw new InvalidOperationException($"Parameters differ across the {_comm.Size} ranks: {string.Join(", ", differing.Take(5))}" +
                (differing.Length > 5 ? $" and {differing.Length - 5} more" : "") + " (synchronous data-parallel training keeps them identical).");
    }

    const ulong FnvOffset = 14695981039346656037UL, FnvPrime = 1099511628211UL;

    static ulong Hash(ulong h, float[] values)
    {
        foreach (var b in MemoryMarshal.AsBytes(values.AsSpan())) h = (h ^ b) * FnvPrime;
        return h;
    }

    static float[] Flatten(CarriedTensor[] tensors)
    {
        var parts = tensors.Select(c => c.ReadCurrent()).ToArray();
        var flat = new float[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var p in parts) { p.CopyTo(flat, offset); offset += p.Length; }
        return flat;
    }

    static void Unflatten(CarriedTensor[] tensors, float[] flat)
    {
        var offset = 0;
        foreach (var c in tensors)
        {
            var count = (int)c.Shape.Aggregate(1L, (a, d) => a * d);
            c.Set(flat.AsSpan(offset, count).ToArray());
            offset += count;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var c in _parameters.Concat(_state).Concat(_running)) c.Dispose();
        foreach (var g in _gradients.Values) g.Dispose();
        foreach (var (_, ones) in _openMasks.Values) ones.Dispose();
        _lossValue.Dispose();
        _correctValue.Dispose();
        _lrValue.Dispose();
        _generalGrad.Dispose();
        _specializedGrad?.Dispose();
        _update.Dispose();
        _run.Dispose();
    }
}
