using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Artifacts;

namespace Neq.Onnx.Training;

/// <summary>
/// train.onnx run through IO binding. Two bindings are built once, one per parity of the carried
/// tensors: binding p reads buffer p of every parameter, optimizer state and running statistic and
/// writes buffer 1−p, so a step only switches bindings. Per step only the batch (images, labels)
/// and the prediction output are bound; loss and correct count are bound once to host scalars.
/// The learning rate and masks change once per epoch and are rebound then
/// (<see cref="BindEpochInputs"/>): binding a host value to a device session copies it at binding
/// time, so a later change to the host array would not reach the device otherwise.
/// </summary>
public sealed class StepBinding : IDisposable
{
    readonly InferenceSession _session;
    readonly OrtIoBinding[] _byParity;
    readonly OrtValue?[] _boundPrediction = [null, null];
    readonly string[] _epochInputs;
    readonly string _images, _labels, _prediction;

    /// <param name="session">The train.onnx session.</param>
    /// <param name="m">The artifacts' manifest (names of data, labels, lr, outputs).</param>
    /// <param name="carried">Carried tensors by input name; all share one parity.</param>
    /// <param name="loss">Host scalar the loss is written to.</param>
    /// <param name="correct">Host scalar the correct count is written to.</param>
    public StepBinding(InferenceSession session, ArtifactManifest m, IReadOnlyDictionary<string, CarriedTensor> carried, OrtValue loss, OrtValue correct)
    {
        _session = session;
        (_images, _labels, _prediction) = (m.DataInputs[0].Name, m.Labels.Name, m.Prediction);
        var sig = m.Graphs.First(g => g.Role == "train");
        var outputOf = carried.Values.ToDictionary(c => c.Output, StringComparer.Ordinal);
        _epochInputs = sig.Inputs.Select(i => i.Name).Where(n => n != _images && n != _labels && !carried.ContainsKey(n)).ToArray();
        _byParity = new OrtIoBinding[2];
        for (int p = 0; p < 2; p++)
        {
            var b = _byParity[p] = session.CreateIoBinding();
            foreach (var i in sig.Inputs)
                if (carried.TryGetValue(i.Name, out var c)) b.BindInput(i.Name, c.Buffer(p));
            foreach (var o in sig.Outputs)
            {
                if (o.Name == m.LossOutput) b.BindOutput(o.Name, loss);
                else if (o.Name == m.CorrectOutput) b.BindOutput(o.Name, correct);
                else if (o.Name != _prediction) b.BindOutput(o.Name, outputOf[o.Name].Buffer(1 - p));
            }
        }
    }

    /// <summary>The inputs bound per epoch: the learning rate and the masks.</summary>
    public IReadOnlyList<string> EpochInputs => _epochInputs;

    /// <summary>(Re)binds the learning rate and masks in both bindings; call when their host values changed.</summary>
    public void BindEpochInputs(Func<string, OrtValue> value)
    {
        foreach (var b in _byParity)
            foreach (var n in _epochInputs) b.BindInput(n, value(n));
    }

    /// <summary>
    /// One step reading the carried buffers of <paramref name="parity"/>: binds the batch, runs, and
    /// waits until the host outputs (loss, correct, prediction) are written.
    /// </summary>
    public void Run(RunOptions run, int parity, OrtValue images, OrtValue labels, OrtValue prediction)
    {
        var b = _byParity[parity];
        // On the CPU the binding refers to the batch's pinned memory, which is released after the
        // step; every step binds its own batch before it runs, so the stale reference is never read.
        b.BindInput(_images, images);
        b.BindInput(_labels, labels);
        if (!ReferenceEquals(_boundPrediction[parity], prediction))
        {
            b.BindOutput(_prediction, prediction);
            _boundPrediction[parity] = prediction;
        }
        b.SynchronizeBoundInputs();
        _session.RunWithBinding(run, b);
        b.SynchronizeBoundOutputs();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var b in _byParity) b.Dispose();
    }
}
