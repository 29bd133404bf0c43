using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// One row of the table-driven gradient test: a forward graph built from named inputs to "y", the
/// inputs to differentiate, the element type, the tolerance stated next to the case, the seed.
/// </summary>
/// <param name="Name">Row name shown in the test explorer.</param>
/// <param name="Inputs">Graph inputs with their shapes; all get seeded random values.</param>
/// <param name="Build">Appends the nodes computing "y" from the inputs (inputs are named as in <paramref name="Inputs"/>).</param>
/// <param name="Wrt">Inputs whose gradient is checked.</param>
/// <param name="Type">Element type of every input (Double where ONNX Runtime has float64 kernels).</param>
/// <param name="Tolerance">Max |analytic − numeric| / max(1, |numeric|) allowed.</param>
/// <param name="Opset">Default-domain opset of the graph.</param>
/// <param name="Seed">Seed of the input values and of the loss weights.</param>
/// <param name="Sample">Draws one input value; default: magnitude in [0.2, 1.2], random sign (keeps away from kinks at 0).</param>
/// <param name="Shapes">Adjusts the inferred types and constants before differentiation (e.g. hides sizes to exercise the run-time shape forms); null keeps them.</param>
/// <param name="Finish">Edits the forward model once its graph is built (e.g. turns a node into a function-defined project operator).</param>
/// <param name="OnlyRows">Inputs whose gradient is asked for at some slices only (<see cref="Neq.Onnx.Autodiff.RowSubset"/>): those slices are checked.</param>
public sealed record GradCase(
    string Name,
    IReadOnlyList<(string Name, long[] Shape)> Inputs,
    Action<GraphBuilder> Build,
    IReadOnlyList<string> Wrt,
    DataType Type = DataType.Double,
    double Tolerance = 1e-6,
    long Opset = 17,
    int Seed = 1234,
    Func<Random, double>? Sample = null,
    Func<ShapeInferenceResult, ShapeInferenceResult>? Shapes = null,
    Action<ModelProto>? Finish = null,
    IReadOnlyDictionary<string, Neq.Onnx.Autodiff.RowSubset>? OnlyRows = null)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}
