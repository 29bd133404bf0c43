using Neq.Onnx.Io;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Artifacts;

/// <summary>The graphs and manifest that <see cref="TrainingArtifacts.Build"/> makes (docs/artifacts.md).</summary>
/// <param name="Train">One fused training step.</param>
/// <param name="Eval">Inference-mode forward: prediction and every neuron layer's activation.</param>
/// <param name="Infer">The plain forward model with the parameters as initializers (their initial values).</param>
/// <param name="Grad">The step's first half: loss, gradients and running statistics (with <see cref="ArtifactOptions.Split"/>).</param>
/// <param name="Update">The step's second half: the optimizer update from gradients (with <see cref="ArtifactOptions.Split"/>).</param>
/// <param name="Manifest">What a trainer needs to know to drive them.</param>
public sealed record TrainingArtifactSet(ModelProto Train, ModelProto Eval, ModelProto Infer, ModelProto? Grad, ModelProto? Update, ArtifactManifest Manifest)
{
    /// <summary>File name of <see cref="Train"/>.</summary>
    public const string TrainFile = "train.onnx";
    /// <summary>File name of <see cref="Eval"/>.</summary>
    public const string EvalFile = "eval.onnx";
    /// <summary>File name of <see cref="Infer"/>.</summary>
    public const string InferFile = "infer.onnx";
    /// <summary>File name of <see cref="Grad"/>.</summary>
    public const string GradFile = "grad.onnx";
    /// <summary>File name of <see cref="Update"/>.</summary>
    public const string UpdateFile = "update.onnx";

    /// <summary>The models by file name, in a fixed order: train, eval, infer, then grad and update when present.</summary>
    public IReadOnlyList<(string File, ModelProto Model)> Files() => FilesOf(Train, Eval, Infer, Grad, Update);

    internal static IReadOnlyList<(string File, ModelProto Model)> FilesOf(ModelProto train, ModelProto eval, ModelProto infer, ModelProto? grad, ModelProto? update)
    {
        var files = new List<(string, ModelProto)> { (TrainFile, train), (EvalFile, eval), (InferFile, infer) };
        if (grad is not null) files.Add((GradFile, grad));
        if (update is not null) files.Add((UpdateFile, update));
        return files;
    }

    /// <summary>Writes every model and manifest.json into <paramref name="directory"/> (created if needed); returns the paths written.</summary>
    public IReadOnlyList<string> Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var (file, model) in Files())
        {
            var path = Path.Combine(directory, file);
            OnnxFile.Save(model, path);
            written.Add(path);
        }
        var manifest = Path.Combine(directory, ArtifactManifest.FileName);
        OnnxFile.WriteAtomically(manifest, System.Text.Encoding.UTF8.GetBytes(Manifest.ToJson()));
        written.Add(manifest);
        return written;
    }
}
