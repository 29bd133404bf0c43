using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Data;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Io;

namespace Neq.Onnx.Training;

/// <summary>
/// eval.onnx (inference mode) over a loader's images with the step's current parameters and
/// running statistics: classification statistics, and each neuron layer's activations for the
/// equilibrium controller when one is given.
/// </summary>
sealed class Evaluator : IDisposable
{
    readonly ArtifactManifest _m;
    readonly InferenceSession _session;
    readonly RunOptions _run = new();
    readonly RunOptions _lastRun = ArenaShrinking();
    readonly string[] _inputs;
    readonly int _classes;
    readonly PredictionKind _kind;

    public Evaluator(TrainingArtifactSet artifacts, TrainerOptions options, int classes)
    {
        _m = artifacts.Manifest;
        using (var so = Sessions.Options(options.Threads, options.Device))
            _session = new InferenceSession(OnnxFile.Serialize(CpuKernels.For(artifacts.Eval, options.Device, options.Portable)), so);
        _inputs = _m.Graphs.First(g => g.Role == "eval").Inputs.Select(i => i.Name).ToArray();
        _classes = classes;
        _kind = ClassificationStats.KindOf(artifacts.Infer.Graph, _m.Prediction);
    }

    /// <summary>Runs eval.onnx over <paramref name="loader"/>; feeds activations to <paramref name="controller"/> when given.</summary>
    public ClassificationStats Evaluate(ITrainStep step, BatchLoader loader, string phase, int epoch, EquilibriumController? controller,
        IProgress<TrainerProgress>? progress, CancellationToken ct)
    {
        var stats = new ClassificationStats { Kind = _kind };
        var outNames = controller is null ? [_m.Prediction] : new[] { _m.Prediction }.Concat(_m.Activations.Select(a => a.Name)).ToArray();
        int first = 0;
        foreach (var batch in loader.ReadEpoch(0, ct))
        {
            using (batch)
            {
                if (batch.Count == 0) continue; // a data-parallel rank's empty slice of a batch smaller than the ranks
                using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Images, loader.BatchShape(batch.Index));
                var inputs = _inputs.Select(n => n == _m.DataInputs[0].Name ? x : step.Carried[n].CurrentValue).ToArray();
                using var outs = _session.Run(batch.Index == loader.BatchCount - 1 ? _lastRun : _run, _inputs, inputs, outNames);
                if (_m.Loss == "mse") stats.AddRegression(outs[0].GetTensorDataAsSpan<float>(), batch.Targets.Span, batch.Count);
                else stats.Add(outs[0].GetTensorDataAsSpan<float>(), batch.Labels.Span, _classes);
                if (controller is not null)
                    Parallel.For(0, _m.Activations.Count, i => controller.Observe(i, first, outs[i + 1].GetTensorDataAsSpan<float>()));
                first += batch.Count;
                progress?.Report(new TrainerProgress(phase, epoch, batch.Index + 1, loader.BatchCount, stats.Loss));
            }
        }
        ct.ThrowIfCancellationRequested();
        return stats;
    }

    /// <summary>
    /// Options of a pass's last run: the session's CPU arena hands back what it no longer uses when
    /// the run ends. Between passes the evaluator is idle for a whole training epoch, and its
    /// arena, sized for a batch's activations, would otherwise stay resident all that time.
    /// </summary>
    static RunOptions ArenaShrinking()
    {
        var run = new RunOptions();
        run.AddRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
        return run;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _session.Dispose();
        _run.Dispose();
        _lastRun.Dispose();
    }
}
