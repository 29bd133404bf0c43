using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Artifacts;

/// <summary>Puts the training graph's BatchNormalization nodes into training mode.</summary>
static class TrainingBatchNorm
{
    /// <summary>
    /// Replaces the inference BatchNormalization producing <paramref name="y"/> by
    /// <see cref="BatchNormTraining"/> (batch statistics, PyTorch's running-statistics update with
    /// the node's momentum), its updated running statistics written to <c>&lt;running_mean&gt;.out</c>
    /// and <c>&lt;running_var&gt;.out</c>.
    /// </summary>
    public static void Replace(ModelProto model, string y)
    {
        var bn = model.Graph.Node.Single(n => n.Output.Count > 0 && n.Output[0] == y);
        // Name outputs 1 and 2 before the conversion, which keeps names a node already gives.
        bn.Output.Add(TrainingNames.Output(bn.Input[3]));
        bn.Output.Add(TrainingNames.Output(bn.Input[4]));
        BatchNormTraining.Replace(model, bn);
    }
}
