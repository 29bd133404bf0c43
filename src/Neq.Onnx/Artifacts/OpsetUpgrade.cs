using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// Brings a model of default-domain opset 7 to 12 up to <see cref="TrainingOpset"/> before it is
/// differentiated: the gradients of MaxPool (ScatterElements), Squeeze and Unsqueeze with axis
/// inputs and the rest of the autodiff engine's rules need opset 11 to 13 operators, and one opset
/// keeps the artifacts uniform. Models at <see cref="TrainingOpset"/> or later keep theirs. Every
/// operator whose signature or meaning changed on the way is rewritten to the same function:
/// BatchNormalization (spatial, consumed_inputs and is_test dropped), Clip (min/max attributes →
/// inputs), Dropout (ratio → input), Pad (pads and value → inputs), Slice (attributes → inputs),
/// Split (split → input), Squeeze, Unsqueeze and ReduceSum (axes → input), TopK (k → input),
/// Softmax, LogSoftmax and Hardmax (before 13 they flatten to 2-D at the axis: Flatten →
/// operator on the last axis → Reshape back), Upsample and Resize (see <see cref="ResizeTo13"/>).
/// Operators that changed in ways not rewritten here (Scan before 9, Loop, If…) are one error
/// naming the node, operator and opset. Operators whose later versions only added types or optional attributes with the old
/// behaviour as default (Conv, MaxPool, Gemm, Flatten, Reshape…) stay as they are.
/// </summary>
public static class OpsetUpgrade
{
    /// <summary>The opset a model below it is brought to.</summary>
    public const long TrainingOpset = 13;

    // Operators whose behaviour changed between opset 7 and 13 in ways this converter does not rewrite.
    static readonly Dictionary<string, string> Unsupported = new(StringComparer.Ordinal)
    {
        ["Scan"] = "its opset 8 form has a batch axis",
        ["Loop"] = "its subgraph is not converted",
        ["If"] = "its subgraphs are not converted",
    };

    /// <summary>Converts <paramref name="model"/> in place when its default-domain opset is below <see cref="TrainingOpset"/>; returns whether it did.</summary>
    /// <exception cref="OnnxFormatException">An operator cannot be converted (the message names it).</exception>
    public static bool ToTraining(ModelProto model)
    {
        long from = model.OpsetOf("") ?? OnnxModel.DefaultOpset;
        if (from >= TrainingOpset) return false;
        var graph = model.Graph;
        var b = new GraphBuilder(graph);
        var shapes = ShapeInference.Infer(model);
        var result = new List<NodeProto>();
        foreach (var node in graph.Node)
        {
            if (!OnnxDomain.IsOnnx(node.Domain)) { result.Add(node); continue; }
            string where = $"Node '{(node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault())}' ({node.OpType}, opset {from})";
            if (Unsupported.TryGetValue(node.OpType, out var why))
                throw new OnnxFormatException($"{where} cannot be converted to opset {TrainingOpset} for training: {why}.");
            switch (node.OpType)
            {
                case "BatchNormalization":
                    if (node.GetInt("spatial", 1) != 1)
                        throw new OnnxFormatException($"{where} has spatial=0 (per-element statistics), which opset {TrainingOpset} cannot express.");
                    if (node.Output.Count > 1)
                        throw new OnnxFormatException($"{where} is in training mode; build artifacts from the inference-mode forward model.");
                    RemoveAttributes(node, "spatial", "consumed_inputs", "is_test");
                    break;
                case "Clip" when from < 11:
                    {
                        var min = node.Find("min")?.F;
                        var max = node.Find("max")?.F;
                        RemoveAttributes(node, "min", "max");
                        node.Input.Add(min is { } lo ? Const(graph, b, node, "min", Tensors.FloatScalar("", lo)) : "");
                        if (max is { } hi) node.Input.Add(Const(graph, b, node, "max", Tensors.FloatScalar("", hi)));
                        break;
                    }
                case "Dropout" when from < 12:
                    {
                        float ratio = node.GetFloat("ratio", 0.5f);
                        RemoveAttributes(node, "ratio", "is_test");
                        node.Input.Add(Const(graph, b, node, "ratio", Tensors.FloatScalar("", ratio)));
                        break;
                    }
                case "Pad" when from < 11:
                    {
                        var pads = node.GetInts("pads") ?? throw new OnnxFormatException($"{where} has no pads.");
                        float value = node.GetFloat("value", 0f);
                        RemoveAttributes(node, "pads", "value");
                        node.Input.Add(Const(graph, b, node, "pads", Tensors.Int64Vector("", pads)));
                        // The constant value takes the data's type; only float pads are converted.
                        if (shapes.TypeOf(node.Input[0]) is { ElemType: not Ir.TensorProto.Types.DataType.Float })
                            throw new OnnxFormatException($"{where} pads a non-float tensor; only float pads are converted.");
                        node.Input.Add(Const(graph, b, node, "value", Tensors.FloatScalar("", value)));
                        break;
                    }
                case "Slice" when from < 10:
                    {
                        var starts = node.GetInts("starts")!;
                        var ends = node.GetInts("ends")!;
                        var axes = node.GetInts("axes");
                        RemoveAttributes(node, "starts", "ends", "axes");
                        node.Input.Add(Const(graph, b, node, "starts", Tensors.Int64Vector("", starts)));
                        node.Input.Add(Const(graph, b, node, "ends", Tensors.Int64Vector("", ends)));
                        if (axes is not null) node.Input.Add(Const(graph, b, node, "axes", Tensors.Int64Vector("", axes)));
                        break;
                    }
                case "Split" when from < 13:
                    if (node.GetInts("split") is { } split)
                    {
                        RemoveAttributes(node, "split");
                        node.Input.Add(Const(graph, b, node, "split", Tensors.Int64Vector("", split)));
                    }
                    break;
                case "Squeeze" or "Unsqueeze" or "ReduceSum" when from < 13:
                    if (node.GetInts("axes") is { } axes1)
                    {
                        RemoveAttributes(node, "axes");
                        node.Input.Add(Const(graph, b, node, "axes", Tensors.Int64Vector("", axes1)));
                    }
                    break;
                case "TopK" when from < 10:
                    {
                        long k = node.GetInt("k", -1);
                        RemoveAttributes(node, "k");
                        node.Input.Add(Const(graph, b, node, "k", Tensors.Int64Vector("", k)));
                        break;
                    }
                case "Upsample" or "Resize":
                    result.Add(ResizeTo13(node, from, where, graph, b));
                    continue;
                case "Softmax" or "LogSoftmax" or "Hardmax" when from < 13:
                    {
                        long axis = node.GetInt("axis", 1);
                        RemoveAttributes(node, "axis");
                        var rank = shapes.TypeOf(node.Input[0])?.Rank;
                        if (rank is { } r && (axis == r - 1 || axis == -1))
                        {
                            // Flattening at the last axis leaves the tensor as it is: the operator on the last axis.
                            node.Attribute.Add(Attr.Int("axis", -1));
                            break;
                        }
                        // Faithful form: flatten to [∏ before axis, ∏ from axis], the operator over axis 1, back to the input's shape.
                        var x = node.Input[0];
                        var flat = b.UniqueName(x + "_flat2d");
                        var shape = b.UniqueName(x + "_shape");
                        var normalized = b.UniqueName(node.Output[0] + "_2d");
                        result.Add(new NodeProto { OpType = "Flatten", Name = b.UniqueNodeName(flat), Input = { x }, Output = { flat }, Attribute = { Attr.Int("axis", axis) } });
                        result.Add(new NodeProto { OpType = "Shape", Name = b.UniqueNodeName(shape), Input = { x }, Output = { shape } });
                        result.Add(new NodeProto { OpType = node.OpType, Name = node.Name, Input = { flat }, Output = { normalized }, Attribute = { Attr.Int("axis", 1) } });
                        result.Add(new NodeProto { OpType = "Reshape", Name = b.UniqueNodeName(node.Output[0] + "_reshape"), Input = { normalized, shape }, Output = { node.Output[0] } });
                        continue;
                    }
            }
            result.Add(node);
        }
        graph.Node.Clear();
        graph.Node.AddRange(result);
        foreach (var o in model.OpsetImport)
            if (OnnxDomain.IsOnnx(o.Domain)) o.Version = TrainingOpset;
        // Opset 13 needs IR 7; the IR 3 convention of initializers as inputs is still read (ModelNormalizer drops them).
        model.IrVersion = Math.Max(model.IrVersion, 7);
        return true;
    }

    /// <summary>
    /// Upsample (7: scales attribute, 9: scales input) and Resize (10: X, scales) sample the input
    /// at x_resized / scale — the "asymmetric" transformation of Resize 11 — and round down in
    /// nearest mode, as ONNX's own 10→11 adapter writes it. Resize 11 and 12 have the inputs of 13 (roi and scales became optional, so their
    /// empty placeholders still mean "none") and differ only in tf_half_pixel_for_nn, which 13
    /// dropped: it samples at (i + 0.5) / scale, the half_pixel coordinate plus ½, so its floor is
    /// half_pixel's round_prefer_ceil and its round_prefer_floor is half_pixel's ceil.
    /// </summary>
    static NodeProto ResizeTo13(NodeProto node, long from, string where, GraphProto graph, GraphBuilder b)
    {
        if (node.OpType == "Resize" && from >= 11)
        {
            if (node.GetString("coordinate_transformation_mode", "half_pixel") == "tf_half_pixel_for_nn")
            {
                string rounding = node.GetString("nearest_mode", "round_prefer_floor") switch
                {
                    "floor" => "round_prefer_ceil",
                    "round_prefer_floor" => "ceil",
                    var other => throw new OnnxFormatException(
                        $"{where} has coordinate_transformation_mode tf_half_pixel_for_nn with nearest_mode {other}, which opset {TrainingOpset} cannot express."),
                };
                RemoveAttributes(node, "coordinate_transformation_mode", "nearest_mode");
                node.Attribute.Add(Attr.String("coordinate_transformation_mode", "half_pixel"));
                node.Attribute.Add(Attr.String("nearest_mode", rounding));
            }
            return node;
        }
        string mode = node.GetString("mode", "nearest");
        if (mode is not ("nearest" or "linear"))
            throw new OnnxFormatException($"{where} has mode '{mode}'; only nearest and linear are defined before opset 11.");
        string scales;
        if (node.OpType == "Upsample" && from < 9)
        {
            var s = node.GetFloats("scales") ?? throw new OnnxFormatException($"{where} has no scales attribute.");
            scales = Const(graph, b, node, "scales", Tensors.Float("", [s.Length], s));
        }
        else scales = node.Input.Count > 1 && node.Input[1].Length > 0 ? node.Input[1] : throw new OnnxFormatException($"{where} has no scales input.");
        var resize = new NodeProto { OpType = "Resize", Name = node.Name, Input = { node.Input[0], "", scales }, Output = { node.Output[0] } };
        resize.Attribute.Add(Attr.String("coordinate_transformation_mode", "asymmetric"));
        resize.Attribute.Add(Attr.String("mode", mode));
        if (mode == "nearest") resize.Attribute.Add(Attr.String("nearest_mode", "floor"));
        return resize;
    }

    static void RemoveAttributes(NodeProto node, params string[] names)
    {
        for (int k = node.Attribute.Count - 1; k >= 0; k--)
            if (names.Contains(node.Attribute[k].Name)) node.Attribute.RemoveAt(k);
    }

    static string Const(GraphProto graph, GraphBuilder b, NodeProto node, string what, TensorProto value)
    {
        value.Name = b.UniqueName($"{(node.Name.Length > 0 ? node.Name : node.Output[0])}_{what}");
        graph.Initializer.Add(value);
        return value.Name;
    }
}
