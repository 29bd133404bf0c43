namespace Neq.Onnx.Artifacts;

/// <summary>What <see cref="TrainingArtifacts.Build"/> writes.</summary>
/// <param name="Optimizer">The update rule of train.onnx (and update.onnx).</param>
/// <param name="Loss">Cross-entropy over class logits, or MSE for regression outputs.</param>
/// <param name="Split">
/// Also build the step as two graphs — grad.onnx (gradients as outputs) and update.onnx (gradients
/// as inputs) — so gradients can be averaged across processes between them (data parallelism).
/// train.onnx, the fused step, is built either way.
/// </param>
/// <param name="Prediction">
/// The forward output to train: logits, or probabilities from a trailing Softmax/LogSoftmax (the
/// cross-entropy then reads the logits before it); null: the model's only float output (an
/// error lists the outputs when there are several).
/// </param>
public sealed record ArtifactOptions(
    OptimizerOptions Optimizer,
    LossKind Loss = LossKind.CrossEntropy,
    bool Split = false,
    string? Prediction = null);
