using Neq.Onnx.Ir;

namespace Neq.Onnx.Shapes;

/// <summary>What <see cref="ShapeInference"/> found.</summary>
/// <param name="Types">Type and shape of every value it could infer, by name.</param>
/// <param name="Constants">
/// Values known at graph-build time, by name: initializers (except those also listed as graph
/// inputs, which a caller may override), Constant nodes, and folded results (Shape of a fully
/// known tensor and what Gather/Concat/Reshape/arithmetic… make of it). A value derived from a
/// symbolic dimension is never a constant.
/// </param>
public sealed record ShapeInferenceResult(
    IReadOnlyDictionary<string, TensorType> Types,
    IReadOnlyDictionary<string, TensorProto> Constants)
{
    /// <summary>The type of <paramref name="name"/>, or null when unknown.</summary>
    public TensorType? TypeOf(string name) => Types.GetValueOrDefault(name);
}
