namespace Neq.Onnx.Artifacts;

/// <summary>The update rule baked into train.onnx/update.onnx (the learning rate is an input, not listed).</summary>
/// <param name="Kind">"sgd", "adam" or "adamw".</param>
/// <param name="Momentum">SGD momentum (0 for Adam).</param>
/// <param name="Nesterov">SGD Nesterov momentum.</param>
/// <param name="WeightDecay">L2 (SGD, Adam) or decoupled (AdamW) weight decay.</param>
/// <param name="Beta1">Adam β1 (null for SGD).</param>
/// <param name="Beta2">Adam β2 (null for SGD).</param>
/// <param name="Epsilon">Adam ε (null for SGD).</param>
public sealed record ManifestOptimizer(string Kind, double Momentum, bool Nesterov, double WeightDecay, double? Beta1, double? Beta2, double? Epsilon);
