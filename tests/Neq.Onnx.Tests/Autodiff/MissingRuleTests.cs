using Neq.Onnx.Autodiff;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// An operator without a gradient rule (Det here) is an error only where it lies between a
/// parameter and the loss; elsewhere the backward graph is built and correct.
/// </summary>
public sealed class MissingRuleTests
{
    /// <summary>y = Det(a)·b, with the Det node named "det_node".</summary>
    static void DetTimesB(GraphBuilder b) =>
        b.Op("Mul", [b.Op("Det", ["a"], name: "det_node"), "b"], output: "y");

    [Fact]
    public void On_the_parameter_to_loss_path_it_is_an_error_naming_the_operator_and_node()
    {
        var g = new GraphBuilder("missing");
        g.AddInput("a", TensorType.Of(DataType.Float, 3, 3));
        g.AddInput("b", TensorType.Of(DataType.Float, 2));
        DetTimesB(g);
        g.Op("ReduceSum", ["y"], [Attr.Int("keepdims", 0)], output: "loss");
        var model = OnnxModel.Create(g.Graph);
        var e = Assert.Throws<OnnxFormatException>(() => Backward.Append(model, new GradientOptions("loss", ["a", "b"])));
        Assert.Contains("Det", e.Message);
        Assert.Contains("det_node", e.Message);
    }

    // ORT's Det kernel is float32 only; y is linear in b, so rounding is all the error.
    public static TheoryData<GradCase> Rows() =>
    [
        new("Det off the path: its input needs no gradient", [("a", [3, 3]), ("b", [2])], DetTimesB, ["b"],
            DataType.Float, 1e-3),
        new("Det off the path: its output does not reach the loss", [("a", [3, 3]), ("b", [3, 3])],
            b => { b.Op("Det", ["a"], name: "det_node"); b.Op("Add", ["a", "b"], output: "y"); }, ["a", "b"],
            DataType.Float, 1e-3),
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Off_the_path_it_is_fine(GradCase row) => GradCheck.Run(row);
}
