using System.Text.Json;
using System.Text.Json.Serialization;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// The contract between the artifact builder and a trainer (docs/artifacts.md): every file, every
/// input and output, which parameters a step updates, which buffers it carries from step to step,
/// which mask gates which parameters and which activations eval.onnx exports. Serialized as
/// indented camelCase JSON (manifest.json); the same artifacts always give the same bytes.
/// </summary>
/// <param name="FormatVersion">Version of this format (<see cref="CurrentFormatVersion"/>).</param>
/// <param name="Loss">"ce" (softmax cross-entropy), "bce" (binary cross-entropy of the logit before a one-column Sigmoid output; labels 0/1) or "mse" (mean squared error).</param>
/// <param name="Optimizer">The update rule of train.onnx / update.onnx.</param>
/// <param name="DataInputs">The model's own inputs (the batch), as train, eval, grad and infer take them.</param>
/// <param name="Labels">The labels input of train.onnx and grad.onnx.</param>
/// <param name="LearningRate">The float scalar learning-rate input of train.onnx and update.onnx.</param>
/// <param name="LossOutput">The float scalar loss output of train.onnx and grad.onnx.</param>
/// <param name="CorrectOutput">The int64 scalar count of correct predictions (cross-entropy, binary too), else null.</param>
/// <param name="Prediction">The model's output (logits) in eval.onnx and infer.onnx.</param>
/// <param name="Parameters">Trainable parameters, in the order the graphs take them.</param>
/// <param name="OptimizerState">Optimizer state carried between steps (all start at zero).</param>
/// <param name="RunningStatistics">BatchNormalization running statistics carried between steps.</param>
/// <param name="Masks">Neuron-layer masks (inputs of train, grad and update; absent from eval and infer).</param>
/// <param name="Activations">Activation outputs of eval.onnx, one per neuron layer.</param>
/// <param name="Graphs">Every ONNX file written, with its full signature.</param>
public sealed record ArtifactManifest(
    int FormatVersion,
    string Loss,
    ManifestOptimizer Optimizer,
    IReadOnlyList<ManifestTensor> DataInputs,
    ManifestTensor Labels,
    string LearningRate,
    string LossOutput,
    string? CorrectOutput,
    string Prediction,
    IReadOnlyList<ManifestParameter> Parameters,
    IReadOnlyList<ManifestCarried> OptimizerState,
    IReadOnlyList<ManifestCarried> RunningStatistics,
    IReadOnlyList<ManifestMask> Masks,
    IReadOnlyList<ManifestActivation> Activations,
    IReadOnlyList<ManifestGraph> Graphs)
{
    /// <summary>The format version this library writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The manifest's file name inside an artifact folder.</summary>
    public const string FileName = "manifest.json";

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NewLine = "\n",
        Converters = { new ShapeJsonConverter() },
    };

    /// <summary>The manifest as indented camelCase JSON (LF line ends, trailing newline).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>Reads a manifest; throws <see cref="FormatException"/> naming <paramref name="source"/> when it is not one.</summary>
    public static ArtifactManifest FromJson(string json, string source = "manifest.json")
    {
        ArtifactManifest? m;
        try { m = JsonSerializer.Deserialize<ArtifactManifest>(json, Json); }
        catch (JsonException e) { throw new FormatException($"{source}: not a valid artifact manifest ({e.Message}).", e); }
        if (m is null) throw new FormatException($"{source}: the manifest is empty.");
        if (m.FormatVersion != CurrentFormatVersion)
            throw new FormatException($"{source}: manifest format {m.FormatVersion} is not supported (this build reads {CurrentFormatVersion}).");
        return m;
    }
}
