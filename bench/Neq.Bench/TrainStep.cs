using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Training;
using Neq.Onnx.Artifacts;

namespace Neq.Bench;

/// <summary>
/// One train.onnx session of an artifact folder, run as NeqTrainer runs it (preallocated swapped
/// host buffers, all masks ones), for the profiler and the A/B comparison.
/// </summary>
sealed class TrainStep : IDisposable
{
    readonly InferenceSession _session;
    readonly RunOptions _run = new();
    readonly List<CarriedTensor> _carried = [];
    readonly List<OrtValue> _owned = [];
    readonly string[] _inNames, _outNames;
    readonly OrtValue[] _inputs, _outputs;
    readonly float[] _loss = new float[1];

    /// <summary>
    /// Loads <paramref name="artifactDir"/>'s train.onnx with <paramref name="options"/>: lowered to the
    /// NCHWc kernels where the machine has them, as the trainer runs it, or as written when <paramref name="portable"/>.
    /// </summary>
    public TrainStep(string artifactDir, SessionOptions options, SyntheticBatch batch, IReadOnlyList<string> tweaks)
    {
        var m = ArtifactManifest.FromJson(File.ReadAllText(Path.Combine(artifactDir, ArtifactManifest.FileName)));
        var initial = OnnxFile.Load(Path.Combine(artifactDir, TrainingArtifactSet.InferFile)).Graph.Initializer
            .ToDictionary(t => t.Name, t => t.ToFloatArray(), StringComparer.Ordinal);
        var host = DeviceTensors.Host();
        foreach (var p in m.Parameters) _carried.Add(new CarriedTensor(p.Name, p.Output, [.. p.Shape], initial[p.Name], host));
        foreach (var s in m.OptimizerState.Concat(m.RunningStatistics))
        {
            long count = s.Shape.Aggregate(1L, (a, b) => a * b);
            _carried.Add(new CarriedTensor(s.Name, s.Output, [.. s.Shape], s.Initial == "zeros" ? new float[count] : initial[s.Name], host));
        }
        OrtValue Own(OrtValue v) { _owned.Add(v); return v; }
        var masks = m.Masks.ToDictionary(k => k.Name, k => Own(OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1f, k.Channels).ToArray(), [k.Channels])), StringComparer.Ordinal);
        var x = Own(OrtValue.CreateTensorValueFromMemory(batch.Images, batch.ImageShape));
        var y = Own(OrtValue.CreateTensorValueFromMemory(batch.Labels, [batch.Labels.Length]));
        var lr = Own(OrtValue.CreateTensorValueFromMemory(new[] { BenchOptions.LearningRate }, []));
        var loss = Own(OrtValue.CreateTensorValueFromMemory(_loss, []));
        var correct = Own(OrtValue.CreateTensorValueFromMemory(new long[1], []));
        var prediction = Own(OrtValue.CreateTensorValueFromMemory(new float[batch.Labels.Length * BenchOptions.Classes], [batch.Labels.Length, BenchOptions.Classes]));

        // Portable: the folder's train.onnx as written; else the graph the trainer runs on this CPU, built from its infer.onnx.
        // dwconv: the NCHWc graph with every conv weight gradient as a lowered Conv (batch as channels).
        var compiled = tweaks.Contains("portable") ? null : TrainingArtifacts.Compile(OnnxFile.Load(Path.Combine(artifactDir, TrainingArtifactSet.InferFile)), Program.ArtifactOptions);
        var train = compiled is null ? OnnxFile.Load(Path.Combine(artifactDir, TrainingArtifactSet.TrainFile))
            : tweaks.Contains("dwconv") ? compiled.NchwcTrain(CpuKernels.NchwcBlockSize, weightGradAsConv: true)
            : CpuKernels.Train(compiled, "cpu", portable: false);
        _session = new InferenceSession(OnnxFile.Serialize(train), options);
        var sig = m.Graphs.First(g => g.Role == "train");
        _inNames = sig.Inputs.Select(i => i.Name).ToArray();
        _outNames = sig.Outputs.Select(i => i.Name).ToArray();
        var byName = _carried.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var outputOf = _carried.ToDictionary(c => c.Output, StringComparer.Ordinal);
        _inputs = new OrtValue[_inNames.Length];
        _outputs = new OrtValue[_outNames.Length];
        _carriedIn = _inNames.Select(n => byName.GetValueOrDefault(n)).ToArray();
        _carriedOut = _outNames.Select(n => outputOf.GetValueOrDefault(n)).ToArray();
        for (int i = 0; i < _inNames.Length; i++)
        {
            var n = _inNames[i];
            if (_carriedIn[i] is null)
                _inputs[i] = n == m.DataInputs[0].Name ? x : n == m.Labels.Name ? y : n == m.LearningRate ? lr : masks[n];
        }
        for (int i = 0; i < _outNames.Length; i++)
        {
            var n = _outNames[i];
            if (_carriedOut[i] is null)
                _outputs[i] = n == m.LossOutput ? loss : n == m.CorrectOutput ? correct : n == m.Prediction ? prediction
                    : throw new InvalidOperationException($"unexpected train.onnx output '{n}'");
        }
    }

    readonly CarriedTensor?[] _carriedIn, _carriedOut;

    /// <summary>The session (for EndProfiling).</summary>
    public InferenceSession Session => _session;

    /// <summary>Runs one step and returns its loss.</summary>
    public float Step()
    {
        for (int i = 0; i < _inputs.Length; i++) if (_carriedIn[i] is { } c) _inputs[i] = c.CurrentValue;
        for (int i = 0; i < _outputs.Length; i++) if (_carriedOut[i] is { } c) _outputs[i] = c.NextValue;
        _session.Run(_run, _inNames, _inputs, _outNames, _outputs);
        foreach (var c in _carried) c.Swap();
        return _loss[0];
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _session.Dispose();
        _run.Dispose();
        foreach (var c in _carried) c.Dispose();
        foreach (var v in _owned) v.Dispose();
    }
}
