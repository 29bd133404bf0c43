using Neq.Onnx.Graphs;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// An update rule written as ONNX nodes. For each parameter <c>w</c> it reads <c>w</c>, its
/// gradient, its mask (if any), the learning rate input <see cref="TrainingNames.LearningRate"/> and
/// its state, and writes <c>w.out</c> and <c>&lt;state&gt;.out</c> (<see cref="TrainingNames.Output"/>).
/// The caller declares the state as graph inputs and the results as graph outputs.
/// </summary>
public interface IOptimizer
{
    /// <summary>The constants of the rule.</summary>
    OptimizerOptions Options { get; }

    /// <summary>
    /// The state the rule reads and writes for <paramref name="parameters"/>, in a fixed order
    /// (per parameter in the given order, then any shared state). Every state tensor starts at zero.
    /// </summary>
    IReadOnlyList<OptimizerStateTensor> State(IReadOnlyList<ParameterSlot> parameters);

    /// <summary>Appends the update nodes of every parameter to <paramref name="graph"/> (default-domain opset <paramref name="opset"/>).</summary>
    void Append(GraphBuilder graph, long opset, IReadOnlyList<ParameterSlot> parameters);
}
