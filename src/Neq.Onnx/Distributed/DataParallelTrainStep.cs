using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Training;

namespace Neq.Onnx.Distributed;

/// <summary>
/// <see cref="DataParallelStep"/> as the <see cref="NeqTrainer"/>'s step, so one epoch loop, NEq and
/// checkpoints serve one process and K: each <see cref="Step"/> is this rank's shard of the global
/// batch (the trainer's loader reads the shard), the returned loss is the global batch's, and
/// <see cref="EndEpoch"/> averages the BatchNormalization running statistics over the ranks and
/// checks that parameters and optimizer state are bit-identical before anything reads them.
/// Masks come from the trainer's <see cref="MaskSet"/>, which every rank holds the same (rank 0
/// decides them and broadcasts); with <see cref="TrainerOptions.Specialize"/> each new set of masks
/// gets a grad.onnx built for it (<see cref="ArtifactCompilation.SpecializedGrad"/>), the same graph on every rank.
/// </summary>
sealed class DataParallelTrainStep : ITrainStep
{
    readonly DataParallelStep _step;
    readonly MaskSet _masks;
    readonly Dictionary<string, float[]> _maskData;
    readonly bool _specialize;
    float[][]? _specializedFor;
    float _lr;

    /// <exception cref="ArgumentException">The artifacts were built without <see cref="ArtifactOptions.Split"/>, or the device is not the CPU.</exception>
    public DataParallelTrainStep(ArtifactCompilation compiled, MaskSet masks, Communicator communicator, TrainerOptions options)
    {
        if (options.Device != "cpu")
            throw new ArgumentException($"--device {options.Device} is not supported under mpirun yet: the data-parallel step runs on the CPU.");
        _step = new DataParallelStep(compiled, communicator, new DataParallelStepOptions(options.Threads, options.Portable));
        _masks = masks;
        // The mask arrays themselves, not copies: the trainer writes them in place.
        _maskData = masks.Layers.ToDictionary(l => l.Input, l => l.Data, StringComparer.Ordinal);
        _specialize = options.Specialize;
    }

    /// <summary>The step underneath (timings, bytes per allreduce).</summary>
    public DataParallelStep Inner => _step;

    /// <summary>The global batch of the last step (loss, correct count, images over every rank).</summary>
    public DataParallelStepResult LastResult { get; private set; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, CarriedTensor> Carried => _step.Carried;

    /// <inheritdoc />
    public double SpecializeSeconds { get; private set; }

    /// <inheritdoc />
    public void BeginEpoch(double learningRate) => _lr = (float)learningRate;

    /// <inheritdoc />
    public float Step(OrtValue images, OrtValue labels, int count)
    {
        LastResult = _step.Step(images, labels, count, _lr, _maskData);
        return LastResult.Loss;
    }

    /// <inheritdoc />
    public ReadOnlySpan<float> Prediction(int count) => _step.LocalPrediction.Span[..(count * _step.Classes)];

    /// <inheritdoc />
    public void UseMasks()
    {
        SpecializeSeconds = 0;
        if (!_specialize || !_masks.AnyFrozen)
        {
            if (_specializedFor is not null) _step.SpecializeTo(null);
            _specializedFor = null;
            return;
        }
        if (_specializedFor is { } built && _masks.Matches(built)) return;
        var clock = Stopwatch.StartNew();
        _step.SpecializeTo(_maskData);
        _specializedFor = _masks.Snapshot();
        SpecializeSeconds = clock.Elapsed.TotalSeconds;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Not timed here: a dense step of one rank alone would include no allreduce, and timing it on
    /// every rank together would stall the job by a collective per round. The run reports the saving
    /// of the data-parallel run as bprop FLOPs; the wall-clock comparison is the local step's.
    /// </remarks>
    public StepTiming? TimeAgainstDense(OrtValue images, OrtValue labels, int count, int rounds) => null;

    /// <inheritdoc />
    public void EndEpoch()
    {
        _step.AverageRunningStatistics();
        _step.VerifyIdenticalParameters();
    }

    /// <inheritdoc />
    public void Dispose() => _step.Dispose();
}
