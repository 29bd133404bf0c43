namespace Neq.Onnx.Artifacts;

/// <summary>Which update rule a training graph applies.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay.</summary>
    Sgd,

    /// <summary>Adam (Kingma and Ba 2015) with L2 weight decay added to the gradient, as PyTorch's Adam.</summary>
    Adam,

    /// <summary>Adam with decoupled weight decay (Loshchilov and Hutter 2019), as PyTorch's AdamW.</summary>
    AdamW,
}
