using Neq.Onnx.Equilibrium;

namespace Neq.Onnx.Training;

/// <summary>
/// Everything needed to continue a run exactly: the completed epochs, every carried tensor
/// (parameters, optimizer state, running statistics), the masks for the next epoch, the NEq state
/// (previous activations, φ, Δφ, v), and the metrics so far. The data order and augmentation are
/// functions of (seed, epoch), so the seed is the whole RNG state.
/// </summary>
/// <param name="CompletedEpochs">Epochs finished; the run continues with this epoch.</param>
/// <param name="Seed">The run's seed (must match on resume).</param>
/// <param name="Tensors">Carried tensors by input name.</param>
/// <param name="Masks">Masks by input name.</param>
/// <param name="Equilibrium">The controller's state, or null for a --no-neq run.</param>
/// <param name="History">Metrics of the completed epochs.</param>
public sealed record TrainerCheckpoint(
    int CompletedEpochs,
    ulong Seed,
    IReadOnlyDictionary<string, float[]> Tensors,
    IReadOnlyDictionary<string, float[]> Masks,
    EquilibriumState? Equilibrium,
    IReadOnlyList<EpochMetrics> History);
