using Neq.Onnx.Shapes;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// A tensor an optimizer carries from step to step: graph input <see cref="Name"/>, updated value in
/// the output <see cref="TrainingNames.Output"/>(<see cref="Name"/>). It starts at zero.
/// </summary>
/// <param name="Name">Input name, e.g. <c>conv1.weight.momentum</c> or <c>adam.step</c>.</param>
/// <param name="Type">Its type.</param>
/// <param name="Parameter">The parameter it belongs to, or null for state shared by all (the Adam step).</param>
public sealed record OptimizerStateTensor(string Name, TensorType Type, string? Parameter);
