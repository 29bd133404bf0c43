using Neq.Onnx.Artifacts;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Training;

/// <summary>
/// The starting value of every tensor a training step carries, as the manifest describes it:
/// parameters and running statistics are infer.onnx's initializers, optimizer state whose
/// <see cref="ManifestCarried.Initial"/> is <c>"zeros"</c> starts at zero. Shared by the local
/// step, the data-parallel step and the step benchmark.
/// </summary>
public sealed class InitialValues
{
    readonly Dictionary<string, TensorProto> _initializers;

    /// <summary>Indexes <paramref name="artifacts"/>' infer.onnx initializers by name.</summary>
    public InitialValues(TrainingArtifactSet artifacts)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        _initializers = artifacts.Infer.Graph.Initializer.ToDictionary(t => t.Name, t => t, StringComparer.Ordinal);
    }

    /// <summary>The initial value of the carried tensor <paramref name="name"/> of <paramref name="shape"/>; <paramref name="initial"/> is the manifest's "zeros" or where else it comes from.</summary>
    /// <exception cref="OnnxFormatException">infer.onnx has no initializer of that name.</exception>
    public float[] Of(string name, IReadOnlyList<long> shape, string initial) => initial == "zeros"
        ? new float[shape.Aggregate(1L, (a, b) => a * b)]
        : _initializers.TryGetValue(name, out var t) ? t.ToFloatArray()
        : throw new OnnxFormatException($"infer.onnx has no initial value for '{name}'.");
}
