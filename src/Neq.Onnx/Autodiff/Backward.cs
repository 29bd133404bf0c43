using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Autodiff;

/// <summary>
/// Reverse-mode differentiation of an ONNX graph into standard ONNX nodes appended to the same
/// graph. The engine does the work shared by every rule: pruning to the parameter→loss path,
/// summing gradients that fan in, reducing broadcast gradients to their input's shape, and naming
/// (<c>&lt;x&gt;_grad</c> for totals, <c>&lt;node&gt;_grad/…</c> for temporaries). Rules
/// (<see cref="GradientRegistry"/>) only do their operator's math.
/// </summary>
public static class Backward
{
    /// <summary>
    /// Appends the backward nodes for <paramref name="options"/> to <paramref name="model"/>'s
    /// graph and returns, for each requested value, the name of its gradient (null when the loss
    /// does not depend on it). Types are inferred from the model before anything is appended.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Append(ModelProto model, GradientOptions options) =>
        Append(model, options, ShapeInference.Infer(model));

    /// <summary>As <see cref="Append(ModelProto, GradientOptions)"/>, with types inferred by the caller.</summary>
    public static IReadOnlyDictionary<string, string?> Append(ModelProto model, GradientOptions options, ShapeInferenceResult shapes)
    {
        var graph = model.Graph;
        var opset = model.OpsetOf("") ?? OnnxModel.DefaultOpset;
        var builder = new GraphBuilder(graph);
        var nodes = graph.Node.ToList();

        var requires = RequiresGrad(nodes, options.WithRespectTo, shapes);
        var needed = NeededForLoss(nodes, options.Loss);
        var engine = new State(builder, opset, shapes);
        engine.Seed(options.Loss);

        for (int k = nodes.Count - 1; k >= 0; k--)
        {
            var node = nodes[k];
            if (!node.Output.Any(needed.Contains) || !node.Input.Any(requires.Contains)) continue;
            var go = node.Output.Select(engine.Total).ToArray();
            if (go.All(g => g is null)) continue;
            if (!GradientRegistry.TryGet(node.Domain, node.OpType, out var rule))
                throw new OnnxFormatException(
                    $"Node '{GradContext.NodeId(node)}': operator {Qualified(node)} has no gradient rule, and it lies between a trainable parameter and the loss.");
            if (rule is null) continue;
            var needs = node.Input.Select(i => i.Length > 0 && requires.Contains(i)).ToArray();
            var ctx = new GradContext(builder, opset, node, go, needs, shapes, options.OnlyRows, options.WeightGradAsConv);
            var gi = rule(ctx);
            for (int i = 0; i < node.Input.Count && i < gi.Length; i++)
                if (needs[i] && gi[i] is { } g)
                    engine.Contribute(node.Input[i],
                        g.RowsOnly ? engine.ScatterRows(ctx, g.Name, node.Input[i], ctx.OnlyRows(i))
                        : g.Broadcast ? engine.Unbroadcast(ctx, g, node.Input[i], node.Output[0]) : g.Name);
        }

        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var w in options.WithRespectTo)
        {
            var total = engine.Total(w);
            var name = w + "_grad";
            if (total is not null && total != name)
                total = new Emitter(builder, opset, name).IdentityTo(total, builder.UniqueName(name));
            result[w] = total;
        }
        return result;
    }

    static string Qualified(NodeProto n) => OnnxDomain.IsOnnx(n.Domain) ? n.OpType : $"{n.Domain}::{n.OpType}";

    /// <summary>Values that depend, through differentiable floating-point operators, on <paramref name="wrt"/>.</summary>
    static HashSet<string> RequiresGrad(List<NodeProto> nodes, IEnumerable<string> wrt, ShapeInferenceResult shapes)
    {
        var req = new HashSet<string>(wrt, StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            if (GradientRegistry.TryGet(n.Domain, n.OpType, out var rule) && rule is null) continue;
            if (!n.Input.Any(req.Contains)) continue;
            foreach (var o in n.Output)
                if (o.Length > 0 && (shapes.TypeOf(o)?.ElemType is not { } type || ElementTypes.IsFloating(type))) req.Add(o);
        }
        return req;
    }

    /// <summary>Values the loss depends on.</summary>
    static HashSet<string> NeededForLoss(List<NodeProto> nodes, string loss)
    {
        var needed = new HashSet<string>(StringComparer.Ordinal) { loss };
        for (int k = nodes.Count - 1; k >= 0; k--)
            if (nodes[k].Output.Any(needed.Contains))
                foreach (var i in nodes[k].Input) needed.Add(i);
        return needed;
    }

    /// <summary>Gradient contributions per value and the emitters that combine them.</summary>
    sealed class State(GraphBuilder builder, long opset, ShapeInferenceResult shapes)
    {
        readonly Dictionary<string, List<string>> _parts = new(StringComparer.Ordinal);

        public void Contribute(string value, string grad)
        {
            if (!_parts.TryGetValue(value, out var list)) _parts[value] = list = [];
            list.Add(grad);
        }

        /// <summary>The total gradient of <paramref name="value"/> (a Sum when several flow in), or null.</summary>
        public string? Total(string value)
        {
            if (!_parts.TryGetValue(value, out var list) || list.Count == 0) return null;
            if (list.Count > 1)
            {
                var sum = new Emitter(builder, opset, value + "_grad").Sum(list, builder.UniqueName(value + "_grad"));
                list.Clear();
                list.Add(sum);
            }
            return list[0];
        }

        /// <summary>Seeds d(loss)/d(loss) = 1 in the loss's shape.</summary>
        public void Seed(string loss)
        {
            var e = new Emitter(builder, opset, loss + "_grad");
            var type = shapes.TypeOf(loss) ?? throw new OnnxFormatException($"The loss '{loss}' is not a value of the graph, or its type is unknown.");
            Contribute(loss, type.Rank == 0 ? e.Scalar(1, type.ElemType, "seed") : e.Fill(e.Shape(loss), 1, type.ElemType, "seed"));
        }

        /// <summary>
        /// Places a gradient of only the slices <paramref name="rows"/> names (stacked in that order
        /// along its axis) into zeros of <paramref name="input"/>'s shape: ScatterND writes whole
        /// slices of axis 0, so another axis is moved to the front and back around it.
        /// </summary>
        public string ScatterRows(GradContext c, string grad, string input, RowSubset? rows)
        {
            if (rows is null)
                throw new InvalidOperationException($"Node '{GradContext.NodeId(c.Node)}': a rule returned selected rows for '{input}', which has no row subset.");
            var type = c.Type(input);
            if (!type.IsFullyKnown)
                throw new OnnxFormatException($"Node '{GradContext.NodeId(c.Node)}': the shape of '{input}' must be known to place its selected gradient rows.");
            var dims = type.KnownDims();
            int rank = dims.Length, axis = rows.Axis;
            var front = Enumerable.Range(0, rank).Select(a => a == 0 ? axis : a <= axis ? a - 1 : a).Select(a => (long)a).ToArray();
            var back = Enumerable.Range(0, rank).Select(a => a == axis ? 0 : a < axis ? a + 1 : a).Select(a => (long)a).ToArray();
            var zeroDims = axis == 0 ? dims : front.Select(a => dims[a]).ToArray();
            var zeros = c.Fill(c.Ints(zeroDims), 0, type.ElemType);
            var indices = c.B.Const($"{c.Prefix}/rows", Tensors.Int64("", [rows.Indices.Count, 1], rows.Indices.ToArray()));
            if (axis == 0) return c.Op("ScatterND", [zeros, indices, grad]);
            return c.Transpose(c.Op("ScatterND", [zeros, indices, c.Transpose(grad, front)]), back);
        }

        /// <summary>
        /// Sums a gradient that has the shape of <paramref name="output"/> (but for its last
        /// <see cref="Grad.OwnTrailingAxes"/> axes, which are the input's) over the axes that
        /// broadcasting added or stretched, and reshapes it to <paramref name="input"/>'s shape.
        /// </summary>
        public string Unbroadcast(GradContext c, Grad g, string input, string output)
        {
            var grad = g.Name;
            var inT = c.Type(input);
            var outT = c.Type(output);
            if (inT.Shape is null || outT.Shape is null)
                throw new OnnxFormatException($"Node '{GradContext.NodeId(c.Node)}': ranks of '{input}' and '{output}' must be known to reduce a broadcast gradient.");
            int lead = outT.Shape.Count - inT.Shape.Count;
            var axes = new List<long>();
            if (g.OwnTrailingAxes > inT.Shape.Count)
                throw new InvalidOperationException($"Node '{GradContext.NodeId(c.Node)}': a gradient claims {g.OwnTrailingAxes} own axes; '{input}' has rank {inT.Shape.Count}.");
            for (int a = 0; a < outT.Shape.Count - g.OwnTrailingAxes; a++)
            {
                if (a < lead) { axes.Add(a); continue; }
                Dim di = inT.Shape[a - lead], dout = outT.Shape[a];
                if (di == dout) continue;
                if (di.Value == 1) { axes.Add(a); continue; }
                if (di.IsKnown && dout.IsKnown)
                    throw new OnnxFormatException($"Node '{GradContext.NodeId(c.Node)}': '{input}' {inT} does not broadcast to '{output}' {outT}.");
                // Unknown or differently named sizes: the input is not 1 there (else broadcasting
                // would have made the output's size), so the sizes agree at run time.
            }
            if (axes.Count == 0) return grad;
            var summed = c.ReduceSum(grad, axes.ToArray(), keepDims: true);
            if (lead == 0) return summed;
            return inT.IsFullyKnown ? c.Reshape(summed, inT.KnownDims()) : c.Reshape(summed, c.Shape(input));
        }
    }
}
