namespace Neq.Onnx.Distributed;

/// <summary>What one data-parallel step measured over the global batch (every rank's shard), identical on every rank.</summary>
/// <param name="Loss">Mean loss over the global batch's images (each shard's mean loss weighted by its image count).</param>
/// <param name="Correct">Images of the global batch whose argmax is their label.</param>
/// <param name="Count">Images in the global batch.</param>
public readonly record struct DataParallelStepResult(float Loss, long Correct, int Count);
