using Neq.Onnx.Ir;

namespace Neq.Onnx.Shapes;

/// <summary>
/// Infers the element type and shape of every value of a graph, and folds values computable from
/// constants and static shapes (Shape→Gather→Unsqueeze→Concat chains and the like) to constants.
/// Symbolic dimensions stay symbolic.
/// </summary>
public static class ShapeInference
{
    /// <summary>Infers types for the model's main graph, at the model's default-domain opset.</summary>
    public static ShapeInferenceResult Infer(ModelProto model) => throw new NotImplementedException();
}
