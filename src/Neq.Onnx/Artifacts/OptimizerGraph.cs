using Neq.Onnx.Graphs;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// Wires an <see cref="IOptimizer"/> into a graph: broadcasts each mask along its parameter's
/// channel axis and appends the update. Used for the fused train.onnx (gradients computed in the
/// same graph) and for update.onnx (gradients as inputs).
/// </summary>
public static class OptimizerGraph
{
    /// <summary>
    /// Appends the optimizer's nodes for <paramref name="parameters"/>, reading the gradients named
    /// <see cref="TrainingNames.Gradient"/>(w) (unless <paramref name="gradients"/> maps w to another
    /// value) and the masks; returns the state tensors the caller must declare as inputs
    /// (and their <c>.out</c> values as outputs).
    /// </summary>
    public static IReadOnlyList<OptimizerStateTensor> Append(GraphBuilder graph, long opset, IOptimizer optimizer,
        IReadOnlyList<TrainableParameter> parameters, IReadOnlyDictionary<string, string>? gradients = null)
    {
        var broadcast = new Dictionary<(string, int, int), string>();
        var slots = new List<ParameterSlot>();
        foreach (var p in parameters)
        {
            if (p.Type.ElemType != DataType.Float || !p.Type.IsFullyKnown)
                throw new Io.OnnxFormatException($"Parameter '{p.Name}' is {p.Type}; the optimizers update float32 tensors of known shape.");
            string? mask = null;
            if (p.Mask is { } m)
            {
                var rank = p.Type.Rank!.Value;
                if (p.MaskAxis < 0 || p.MaskAxis >= rank)
                    throw new Io.OnnxFormatException($"Parameter '{p.Name}' {p.Type} has no axis {p.MaskAxis} for mask '{m}'.");
                if (!broadcast.TryGetValue((m, p.MaskAxis, rank), out mask))
                {
                    // [C] → [1,…,C,…,1] with C at the channel axis, so it scales whole rows.
                    var shape = Enumerable.Range(0, rank).Select(a => a == p.MaskAxis ? -1L : 1L).ToArray();
                    mask = rank == 1 ? m : new Emitter(graph, opset, m).Reshape(m, shape);
                    broadcast[(m, p.MaskAxis, rank)] = mask;
                }
            }
            var grad = gradients?.GetValueOrDefault(p.Name) ?? TrainingNames.Gradient(p.Name);
            slots.Add(new ParameterSlot(p.Name, p.Type, grad, mask));
        }
        optimizer.Append(graph, opset, slots);
        return optimizer.State(slots);
    }

    /// <summary>
    /// A stand-alone update graph (update.onnx): inputs lr, parameters, gradients, optimizer state and
    /// masks (float[C]); outputs the updated parameters and state, in that order.
    /// </summary>
    public static Ir.ModelProto BuildUpdateModel(IOptimizer optimizer, IReadOnlyList<TrainableParameter> parameters,
        IReadOnlyList<(string Name, int Channels)> masks, long opset = OnnxModel.DefaultOpset)
    {
        var b = new GraphBuilder("update");
        var scalar = TensorType.Of(DataType.Float);
        b.AddInput(TrainingNames.LearningRate, scalar);
        foreach (var p in parameters) b.AddInput(p.Name, p.Type);
        foreach (var p in parameters) b.AddInput(TrainingNames.Gradient(p.Name), p.Type);
        var state = optimizer.State(parameters.Select(p => new ParameterSlot(p.Name, p.Type, TrainingNames.Gradient(p.Name), null)).ToArray());
        foreach (var s in state) b.AddInput(s.Name, s.Type);
        foreach (var (name, channels) in masks) b.AddInput(name, TensorType.Of(DataType.Float, channels));
        Append(b, opset, optimizer, parameters);
        foreach (var p in parameters) b.AddOutput(TrainingNames.Output(p.Name), p.Type);
        foreach (var s in state) b.AddOutput(TrainingNames.Output(s.Name), s.Type);
        return OnnxModel.Create(b.Graph, opset);
    }
}
