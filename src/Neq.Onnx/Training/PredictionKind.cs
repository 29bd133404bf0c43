namespace Neq.Onnx.Training;

/// <summary>What a classifier's prediction [N, K] holds, which decides how <see cref="ClassificationStats"/> reads its loss.</summary>
public enum PredictionKind
{
    /// <summary>Logits: the loss is the softmax cross-entropy.</summary>
    Logits,

    /// <summary>Probabilities from a trailing Softmax: the loss is −log p[label].</summary>
    Probabilities,

    /// <summary>Log-probabilities from a trailing LogSoftmax: the loss is −log p[label] read directly.</summary>
    LogProbabilities,
}
