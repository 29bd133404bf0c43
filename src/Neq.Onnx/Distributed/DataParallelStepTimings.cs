namespace Neq.Onnx.Distributed;

/// <summary>Where one data-parallel step's time went on this rank (wall seconds).</summary>
/// <param name="Grad">grad.onnx on this rank's shard.</param>
/// <param name="Reduce">Weighting and the allreduce of the gradients, including waiting for the slowest rank.</param>
/// <param name="Update">update.onnx.</param>
public readonly record struct DataParallelStepTimings(double Grad, double Reduce, double Update);
