using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss gradients w.r.t. the scores/input
/// against finite differences, float64 (ONNX Runtime's CPU kernels of both have double
/// versions): tolerance 1e-6, h = 1e-6. Labels are constants of the graph.
/// </summary>
public sealed class LossGradientTests
{
    /// <summary>One loss row: scores [N, C, D…], fixed labels (int64 unless int32 is asked), optional class weights.</summary>
    static GradCase Loss(string op, string name, long[] scores, long[] labels, AttributeProto[] attrs,
        bool weights = false, bool int32 = false, bool useLogProb = false, long opset = 13)
    {
        long[] labelShape = [scores[0], .. scores.Skip(2)];
        var inputs = new List<(string, long[])> { ("scores", scores) };
        if (weights) inputs.Add(("weights", [scores[1]]));
        return new GradCase($"{op} {name} opset {opset}", inputs, b =>
        {
            var l = int32
                ? b.Const("labels", Tensors.Int32("", labelShape, labels.Select(v => (int)v).ToArray()))
                : b.Const("labels", Tensors.Int64("", labelShape, labels));
            string[] ins = weights ? ["scores", l, "weights"] : ["scores", l];
            if (!useLogProb) { b.OpN(op, ins, ["y"], attrs); return; }
            // Both outputs feed the loss: y = loss + Σ log_prob·0.3.
            var outs = b.OpN(op, ins, ["loss", "log_prob"], attrs);
            var extra = b.Op("ReduceSum", [b.Op("Mul", [outs[1], b.Const("k", Tensors.Double("", [], [0.3]))])], [Attr.Int("keepdims", 0)]);
            b.Op("Add", [outs[0], extra], output: "y");
        }, ["scores"], Opset: opset);
    }

    static AttributeProto Reduction(string r) => Attr.String("reduction", r);

    const string Sce = "SoftmaxCrossEntropyLoss";
    const string Nll = "NegativeLogLikelihoodLoss";

    public static TheoryData<GradCase> Rows() =>
    [
        Loss(Sce, "mean [N,C]", [4, 5], [0, 3, 4, 3], []),
        Loss(Sce, "sum [N,C]", [4, 5], [0, 3, 4, 3], [Reduction("sum")]),
        Loss(Sce, "none [N,C]", [4, 5], [0, 3, 4, 3], [Reduction("none")]),
        Loss(Sce, "mean weights", [4, 5], [0, 3, 4, 3], [], weights: true),
        Loss(Sce, "mean ignore_index", [4, 5], [0, -100, 4, 3], [Attr.Int("ignore_index", -100)]),
        Loss(Sce, "mean weights ignore_index (a class)", [5, 3], [0, 2, 1, 2, 2], [Attr.Int("ignore_index", 2)], weights: true),
        Loss(Sce, "none weights ignore_index", [4, 5], [0, 1, 4, 1], [Reduction("none"), Attr.Int("ignore_index", 1)], weights: true),
        Loss(Sce, "mean [N,C,D] int32 labels", [2, 3, 4], [0, 1, 2, 2, 1, 0, 0, 2], [], int32: true),
        Loss(Sce, "sum [N,C,D1,D2]", [2, 3, 2, 2], [0, 1, 2, 2, 1, 0, 0, 2], [Reduction("sum")]),
        Loss(Sce, "mean [N,C,D] (hand-written softmax)", [2, 3, 4], [0, 1, 2, 2, 1, 0, 0, 2], [], opset: 12),
        Loss(Sce, "mean with log_prob in the loss", [3, 4], [1, 0, 3], [], useLogProb: true),
        Loss(Sce, "mean [N,C,D] with log_prob", [2, 3, 2], [2, 0, 1, 1], [], useLogProb: true, opset: 12),
        Loss(Sce, "mean opset 21", [4, 5], [0, 3, 4, 3], [], weights: true, opset: 21),

        Loss(Nll, "mean [N,C]", [4, 5], [0, 3, 4, 3], []),
        Loss(Nll, "sum weights", [4, 5], [0, 3, 4, 3], [Reduction("sum")], weights: true),
        Loss(Nll, "none [N,C,D]", [2, 3, 3], [0, 1, 2, 2, 1, 0], [Reduction("none")]),
        Loss(Nll, "mean weights ignore_index [N,C,D]", [2, 3, 3], [0, 1, 2, 2, 1, 0], [Attr.Int("ignore_index", 1)], weights: true),
        Loss(Sce, "mean weights ignore_index, batch N", [4, 5], [0, 3, 4, 3], [Attr.Int("ignore_index", 4)], weights: true) with { Shapes = SymbolicBatch.Except("weights") },
        Loss(Sce, "none [N,C,D], batch N", [2, 3, 4], [0, 1, 2, 2, 1, 0, 0, 2], [Reduction("none")]) with { Shapes = SymbolicBatch.Except() },
        Loss(Sce, "mean weights ignore_index [N,C,D], every size unknown", [2, 3, 4], [0, 1, 2, 2, 1, 0, 0, 2], [Attr.Int("ignore_index", 0)], weights: true) with { Shapes = RunTimeShapes.UnknownSizes },
        Loss(Nll, "sum [N,C], every size unknown", [4, 5], [0, 3, 4, 3], [Reduction("sum")]) with { Shapes = RunTimeShapes.UnknownSizes },
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Gradient_matches_finite_differences(GradCase row) => GradCheck.Run(row);
}
