namespace Neq.Onnx.Operators;

/// <summary>
/// The project's operators. <see cref="Autodiff.GradientRegistry"/> and
/// <see cref="Shapes.ShapeInference"/> register every entry under the ai.neq domain.
/// </summary>
internal static class ProjectOperators
{
    /// <summary>Every project operator, in registration order.</summary>
    public static readonly IReadOnlyList<ProjectOperator> All = [MaskGate.Registration, BatchNormTraining.Registration];
}
