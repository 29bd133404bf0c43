using Neq.Onnx.Inspection;
using Neq.Onnx.Ir;
using Neq.Onnx.Training;

namespace Neq.Bench;

/// <summary>
/// Floating-point operations of one dense training step per image, counted from the model: only the
/// convolutions and the classifier's Gemm (BatchNormalization, ReLU, the loss and the update are
/// memory-bound and left out).
/// forward = 2 · Σ MACs (<see cref="LayerCosts"/>: out_H·out_W·C_out·C_in·kH·kW per conv, in·out per Gemm);
/// backward = 2 · forward − first conv's forward: every layer computes dW and dX, each as many
/// multiply-adds as its forward, except the first conv, whose dX (the image's gradient) nobody needs.
/// </summary>
/// <param name="Forward">Forward FLOPs per image.</param>
/// <param name="Backward">Backward FLOPs per image (dW of every layer, dX of all but the first conv).</param>
/// <param name="FirstConvForward">Forward FLOPs of the conv that reads the image, the one dX left out.</param>
sealed record TrainingFlops(double Forward, double Backward, double FirstConvForward)
{
    /// <summary>Forward + backward FLOPs per image.</summary>
    public double Total => Forward + Backward;

    /// <summary>Counts a forward model (the artifacts' infer.onnx) whose first conv reads the image input.</summary>
    public static TrainingFlops Of(ModelProto infer)
    {
        double forward = LayerCosts.Of(infer).Total;
        var summary = ModelSummaryBuilder.Build(infer);
        var image = summary.Inputs[0].Name;
        var first = infer.Graph.Node.FirstOrDefault(n => n.OpType == "Conv" && n.Input.Count > 0 && n.Input[0] == image)
            ?? throw new InvalidOperationException($"infer.onnx has no Conv reading its input '{image}': not the bench's ResNet.");
        var layer = summary.Layers.First(l => l.Name == (first.Name.Length > 0 ? first.Name : first.Output[0]));
        double firstConv = 2.0 * (layer.Macs ?? throw new InvalidOperationException($"infer.onnx: the MACs of '{layer.Name}' are unknown."));
        return new TrainingFlops(forward, 2 * forward - firstConv, firstConv);
    }
}
