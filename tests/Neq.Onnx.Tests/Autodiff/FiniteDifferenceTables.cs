using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// Every table of finite-difference gradient rows (<see cref="GradCase"/>), in one place, and the
/// operators they exercise, so that a test can hold the rule table against them. A new table of
/// rows is listed here.
/// </summary>
public static class FiniteDifferenceTables
{
    /// <summary>All <see cref="GradCase"/> rows of the family test classes.</summary>
    public static IEnumerable<GradCase> All() =>
        new IEnumerable<object[]>[]
        {
            ElementwiseGradientTests.Rows(), ActivationGradientTests.Rows(), ShapeGradientTests.Rows(),
            ReductionGradientTests.Rows(), ConvGradientTests.ConvRows(), ConvGradientTests.OtherRows(),
            ConvGradientTests.NetworkRows(), ConvGradientTests.RowSubsetRows(), PoolGradientTests.Rows(),
            NormalizationGradientTests.Rows(), LossGradientTests.Rows(), MatMulGradientTests.Rows(), MissingRuleTests.Rows(),
            ResizeGradientTests.Rows(),
        }.SelectMany(t => t).Select(r => (GradCase)r[0]);

    /// <summary>
    /// The (domain, operator) pairs of the forward graph of <paramref name="row"/>, built as
    /// <see cref="GradCheck"/> builds it (inputs, the row's nodes, then its <see cref="GradCase.Finish"/>
    /// edit), without the loss that GradCheck appends. Domain "" is ONNX's.
    /// </summary>
    public static IEnumerable<(string Domain, string OpType)> Operators(GradCase row)
    {
        var b = new GraphBuilder("operators");
        foreach (var (name, shape) in row.Inputs) b.AddInput(name, TensorType.Of(row.Type, shape));
        row.Build(b);
        var model = OnnxModel.Create(b.Graph, row.Opset);
        row.Finish?.Invoke(model);
        return model.Graph.Node.Select(n => (OnnxDomain.IsOnnx(n.Domain) ? "" : n.Domain, n.OpType));
    }
}
