namespace Neq.Onnx.Training;

/// <summary>Where a run is: phase ("train", "validate", "test"), epoch, batch, and the running loss.</summary>
/// <param name="Phase">"reference", "train", "validate" or "test".</param>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Batch">Batches done in this phase.</param>
/// <param name="Batches">Batches in this phase.</param>
/// <param name="Loss">Mean loss so far in this phase.</param>
public readonly record struct TrainerProgress(string Phase, int Epoch, int Batch, int Batches, double Loss);
