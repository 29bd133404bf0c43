using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Operators;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Neurons;

/// <summary>
/// Adds NEq's masks to a forward graph, in place: normalizes it (<see cref="ModelNormalizer"/>),
/// finds its neuron layers (<see cref="NeuronLayers"/>) and, per layer,
/// <list type="bullet">
/// <item>adds the graph input <c>&lt;layer&gt;.mask</c>, float [C], with an initializer of ones of the
/// same name (ONNX's "input with a default": omitting it means all ones);</item>
/// <item>puts a <see cref="MaskGate"/> in front of every read of each gated parameter by the layer:
/// the layer now reads <c>&lt;parameter&gt;.gated</c>;</item>
/// <item>with <see cref="MaskInjectionOptions.ExportActivations"/>, adds the graph output
/// <c>&lt;layer&gt;.activation</c>, an Identity of the hooked activation.</item>
/// </list>
/// Every output value of the original graph is unchanged, whatever the masks hold: a mask only
/// acts on gradients. The model's ir_version is raised to 8 if lower (it now holds a function).
/// </summary>
public static class MaskInjection
{
    /// <summary>Injects masks into <paramref name="model"/>; returns the gated layers.</summary>
    /// <exception cref="OnnxFormatException">The model is already gated, or a name it needs is taken.</exception>
    /// <exception cref="ArgumentException">A layer named in the options does not exist.</exception>
    public static MaskInjectionResult Inject(ModelProto model, MaskInjectionOptions options)
    {
        ModelNormalizer.Normalize(model);
        var graph = model.Graph;
        if (graph.Node.Any(GraphIndex.IsMaskGate))
            throw new OnnxFormatException("The model already has mask gates (ai.neq MaskGate nodes); inject masks into the original forward graph.");

        var matches = NeuronLayers.Match(model, new NeuronLayerOptions(options.IncludeClassifier, options.Layers));
        var b = new GraphBuilder(graph);
        foreach (var m in matches)
        {
            if (b.IsUsed(m.Layer.Mask))
                throw new OnnxFormatException($"Layer '{m.Layer.Name}': the graph already has a value named '{m.Layer.Mask}'.");
            if (options.ExportActivations && b.IsUsed(m.Layer.ActivationOutput))
                throw new OnnxFormatException($"Layer '{m.Layer.Name}': the graph already has a value named '{m.Layer.ActivationOutput}'.");
        }
        if (matches.Count > 0) MaskGate.EnsureDefined(model);

        var inits = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var m in matches)
        {
            var layer = m.Layer;
            b.AddInput(layer.Mask, TensorType.Of(DataType.Float, layer.Channels));
            graph.Initializer.Add(Tensors.Float(layer.Mask, [layer.Channels], Enumerable.Repeat(1f, layer.Channels).ToArray()));

            foreach (var (reader, input, p) in m.Uses)
            {
                var t = inits[p.Name];
                var type = TensorType.Of((DataType)t.DataType, t.Dims.ToArray());
                reader.Input[input] = MaskGate.Emit(b, p.Name, layer.Mask, p.ChannelAxis, NeuronNames.Gated(p.Name), type);
                MoveLastBefore(graph, reader);
            }

            if (options.ExportActivations)
            {
                b.AddNode(new NodeSpec("Identity", [layer.Activation], [layer.ActivationOutput], Name: layer.ActivationOutput));
                var elem = (DataType)inits[layer.Parameters[0].Name].DataType;
                b.AddOutput(layer.ActivationOutput, new TensorType(elem, null));
            }
        }
        return new MaskInjectionResult(matches.Select(m => m.Layer).ToList());
    }

    /// <summary>Moves the node just appended in front of <paramref name="reader"/> (keeps the graph readable and sorted).</summary>
    static void MoveLastBefore(GraphProto graph, NodeProto reader)
    {
        var last = graph.Node[^1];
        graph.Node.RemoveAt(graph.Node.Count - 1);
        for (int k = 0; k < graph.Node.Count; k++)
            if (ReferenceEquals(graph.Node[k], reader)) { graph.Node.Insert(k, last); return; }
        graph.Node.Add(last);
    }
}
