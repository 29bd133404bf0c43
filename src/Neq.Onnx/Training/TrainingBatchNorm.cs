using Neq.Onnx.Ir;

namespace Neq.Onnx.Training;

/// <summary>Puts the training graph's BatchNormalization nodes into training mode.</summary>
static class TrainingBatchNorm
{
    /// <summary>
    /// Replaces the inference BatchNormalization producing <paramref name="y"/> by its training form:
    /// batch statistics, and the updated running statistics written to <c>&lt;running_mean&gt;.out</c>
    /// and <c>&lt;running_var&gt;.out</c>.
    /// </summary>
    public static void Replace(ModelProto model, string y) => throw new NotImplementedException($"BatchNormTraining for '{y}' ({model.Graph.Name}).");
}
