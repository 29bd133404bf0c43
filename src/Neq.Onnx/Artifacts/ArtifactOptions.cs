namespace Neq.Onnx.Artifacts;

/// <summary>What <see cref="TrainingArtifacts.Build"/> writes.</summary>
/// <param name="Optimizer">The update rule of train.onnx (and update.onnx).</param>
/// <param name="Loss">Cross-entropy over class logits, or MSE for regression outputs.</param>
/// <param name="Split">
/// Also build the step as two graphs — grad.onnx (gradients as outputs) and update.onnx (gradients
/// as inputs) — so gradients can be averaged across processes between them (data parallelism).
/// train.onnx, the fused step, is built either way.
/// </param>
/// <param name="Prediction">The forward output to train (logits); null: the model's first output.</param>
public sealed record ArtifactOptions(
    OptimizerOptions Optimizer,
    LossKind Loss = LossKind.CrossEntropy,
    bool Split = false,
    string? Prediction = null)
{
    /// <summary>
    /// The options a manifest's train.onnx was built with (loss, update rule, prediction; Split is
    /// false), so that a trainer holding only the artifacts can build their graphs again — e.g. a
    /// train.onnx specialised to its masks (<see cref="TrainingArtifacts.BuildSpecializedTrain"/>).
    /// </summary>
    /// <exception cref="FormatException">The manifest names an unknown loss or optimizer.</exception>
    public static ArtifactOptions FromManifest(ArtifactManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var o = manifest.Optimizer;
        var kind = o.Kind switch
        {
            "sgd" => OptimizerKind.Sgd,
            "adam" => OptimizerKind.Adam,
            "adamw" => OptimizerKind.AdamW,
            _ => throw new FormatException($"The manifest's optimizer '{o.Kind}' is not sgd, adam or adamw."),
        };
        var loss = manifest.Loss switch
        {
            "ce" => LossKind.CrossEntropy,
            "mse" => LossKind.MeanSquaredError,
            _ => throw new FormatException($"The manifest's loss '{manifest.Loss}' is not ce or mse."),
        };
        var defaults = new OptimizerOptions();
        var optimizer = new OptimizerOptions(kind, o.Momentum, o.Nesterov, o.WeightDecay,
            o.Beta1 ?? defaults.Beta1, o.Beta2 ?? defaults.Beta2, o.Epsilon ?? defaults.Epsilon);
        return new ArtifactOptions(optimizer, loss, Split: false, manifest.Prediction);
    }
}
