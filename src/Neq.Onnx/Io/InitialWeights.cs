using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Io;

/// <summary>
/// Starts a model from another model's trained weights — PyTorch's
/// <c>model.load_state_dict(state, strict=True)</c> for ONNX: every float initializer of the
/// model (weights, biases, BatchNormalization's running statistics) takes the value of the
/// initializer of the same name in the weights file, which must have the same shape, and the file
/// may hold no float initializer the model lacks. The graph itself is never read from the file,
/// so a run folder's infer.onnx can start a fresh build of the same <c>--arch</c>.
/// </summary>
public static class InitialWeights
{
    /// <summary>
    /// A copy of <paramref name="model"/> whose float initializers are <paramref name="weights"/>'
    /// values; <paramref name="source"/> names the weights file in the error.
    /// </summary>
    /// <exception cref="OnnxFormatException">
    /// A tensor is missing, has another shape or element type, or is unexpected (the message lists
    /// up to eight of them, naming <paramref name="source"/>).
    /// </exception>
    public static ModelProto Load(ModelProto model, ModelProto weights, string source)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weights);
        var given = weights.Graph.Initializer.Where(IsState).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var copy = model.Clone();
        var problems = new List<string>();
        var inits = copy.Graph.Initializer;
        for (int i = 0; i < inits.Count; i++)
        {
            var t = inits[i];
            if (!IsState(t)) continue;
            if (!given.Remove(t.Name, out var w))
                problems.Add($"'{t.Name}' {Shape(t)} is missing");
            else if (!w.Dims.SequenceEqual(t.Dims) || w.DataType != t.DataType)
                problems.Add($"'{t.Name}' is {(DataType)w.DataType} {Shape(w)} there but {(DataType)t.DataType} {Shape(t)} in the model");
            else
                inits[i] = w.Clone();
        }
        problems.AddRange(given.Values.Select(w => $"'{w.Name}' {Shape(w)} is not in the model"));
        if (problems.Count > 0)
            throw new OnnxFormatException(
                $"{source}: its weights do not fit the model ({problems.Count} tensor{(problems.Count == 1 ? "" : "s")}: {string.Join("; ", problems.Take(8))}{(problems.Count > 8 ? "; …" : "")}). " +
                "--init takes an ONNX model of the same architecture (same initializer names and shapes), such as a run folder's infer.onnx.");
        return copy;
    }

    // Weights, biases and running statistics are floating-point; int64 shapes and axes are part of the graph.
    static bool IsState(TensorProto t) => ElementTypes.IsFloating((DataType)t.DataType);

    static string Shape(TensorProto t) => $"[{string.Join(",", t.Dims)}]";
}
