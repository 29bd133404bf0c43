namespace Neq.Onnx.Artifacts;

/// <summary>The loss a training graph minimises.</summary>
public enum LossKind
{
    /// <summary>Mean softmax cross-entropy of float[N,K] logits against int64[N] class indices.</summary>
    CrossEntropy,

    /// <summary>Mean squared error over every element, for regression outputs; targets have the prediction's shape.</summary>
    MeanSquaredError,
}
