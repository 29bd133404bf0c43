using Microsoft.ML.OnnxRuntime;

namespace Neq.Onnx.Training;

/// <summary>
/// The training step a <see cref="NeqTrainer"/> drives: it owns the step graph's sessions and the
/// tensors carried from step to step (parameters, optimizer state, running statistics). The local
/// step (<see cref="LocalStep"/>) runs train.onnx in this process; the data-parallel step
/// (<see cref="Distributed.DataParallelTrainStep"/>) runs grad.onnx on this process's shard,
/// averages the gradients across processes, then runs update.onnx.
/// </summary>
public interface ITrainStep : IDisposable
{
    /// <summary>Carried tensors by train.onnx input name; their current buffers hold the state after the last step.</summary>
    IReadOnlyDictionary<string, CarriedTensor> Carried { get; }

    /// <summary>Seconds the last <see cref="UseMasks"/> took to build a step graph for the masks and its session (0: none built).</summary>
    double SpecializeSeconds { get; }

    /// <summary>Sets the learning rate of the coming steps and (re)binds the per-epoch inputs (learning rate, masks).</summary>
    void BeginEpoch(double learningRate);

    /// <summary>
    /// One step on a batch of <paramref name="count"/> images. Returns the batch's loss; when it is
    /// finite the carried tensors move on to the updated values, otherwise they stay as they were.
    /// </summary>
    float Step(OrtValue images, OrtValue labels, int count);

    /// <summary>The prediction of the last step, [count, classes] row-major.</summary>
    ReadOnlySpan<float> Prediction(int count);

    /// <summary>Makes the step match the masks' current values (called whenever they change).</summary>
    void UseMasks();

    /// <summary>
    /// Times the current step graph against the dense one (every mask open) on one batch, in
    /// <paramref name="rounds"/> interleaved rounds, without changing any state: the carried tensors
    /// keep their values. Null when the current graph is the dense graph itself (nothing to compare).
    /// </summary>
    StepTiming? TimeAgainstDense(OrtValue images, OrtValue labels, int count, int rounds);

    /// <summary>
    /// Called after an epoch's last step, before the evaluation and the checkpoint read the carried
    /// tensors: a data-parallel step makes them the same on every process here; a local step has nothing to do.
    /// </summary>
    void EndEpoch();
}
