using Neq.Onnx.Graphs;
using static Neq.Onnx.Tests.Neurons.ExpectedLayer;
using static Neq.Onnx.Tests.Neurons.Net;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Neurons;

/// <summary>
/// Builds small ONNX models in the shapes that exporters really write (PyTorch of several
/// generations, tf2onnx, Paddle2ONNX, CNTK, MXNet), one builder per pattern, with seeded weights,
/// and lists by hand the neuron layers each one has.
/// </summary>
static class ExporterPatterns
{
    // Declared before All, which reads it while initializing.
    /// <summary>IR and opset versions as exporters of each ONNX release paired them.</summary>
    public static readonly (long Ir, long Opset)[] OpsetMatrix =
        [(3, 8), (4, 9), (5, 10), (6, 11), (7, 12), (7, 13), (8, 14), (8, 15), (9, 16), (9, 17), (9, 18), (9, 19), (10, 20), (10, 21)];

    public static readonly IReadOnlyDictionary<string, Func<PatternCase>> All = Build();

    /// <summary>Builds the pattern called <paramref name="name"/>.</summary>
    public static PatternCase Get(string name) => All[name]() with { Name = name };

    static Dictionary<string, Func<PatternCase>> Build()
    {
        var d = new Dictionary<string, Func<PatternCase>>
        {
            ["pytorch 2.x: named initializers"] = TorchClassic,
            ["pytorch 1.x: weights in Constant nodes"] = TorchConstants,
            ["pytorch 2.x TorchScript: deduplicated initializers behind Identity"] = TorchDeduplicated,
            ["pytorch 1.2: initializers also graph inputs, unnamed nodes"] = TorchInitializersAsInputs,
            ["tf2onnx: bias by separate Add, Conv1D, MatMul dense"] = SeparateBiasAdd,
            ["pytorch eval: BN folded into Conv"] = BnFoldedIntoConv,
            ["keras: BN after Relu and on rank-2"] = BnAfterReluAndRank2,
            ["tf2onnx/cntk: weights reach MatMul through Reshape/Transpose"] = MatMulThroughReshape,
            ["mobilenet: depthwise and grouped convs"] = DepthwiseGrouped,
            ["mobilenetv3: squeeze-excite"] = SqueezeExcite,
            ["activations: LeakyRelu, SiLU, HardSigmoid, Exp"] = Activations,
            ["clip: attribute form (opset 10)"] = () => ClipNet(10, 5),
            ["clip: input form (opset 12)"] = () => ClipNet(12, 7),
            ["tf2onnx: auto_pad SAME_UPPER"] = AutoPadSameUpper,
            ["tf2onnx: NHWC input behind Transpose"] = NhwcTranspose,
            ["flatten: Shape-Gather-Unsqueeze-Concat-Reshape"] = () => FlattenNet(Flatten.GatherConcat),
            ["flatten: Shape-Cast-Slice-Cast-Concat-Reshape"] = () => FlattenNet(Flatten.CastSlice),
            ["flatten: constant shape"] = () => FlattenNet(Flatten.ConstantShape),
            ["flatten: Flatten"] = () => FlattenNet(Flatten.FlattenOp),
            ["cntk: unnamed nodes, numeric names, ':' and '/'"] = UnnamedNumericNames,
            ["symbolic dimensions on every input axis"] = SymbolicDims,
            ["paddle2onnx: names and reshaped conv bias"] = Paddle,
            ["mxnet: opset 8, spatial BN, params as inputs"] = MxNet,
            ["detection: Resize with empty roi, Slice/Exp decoding"] = Detection,
        };
        foreach (var (ir, opset) in OpsetMatrix)
            d[$"ir {ir} / opset {opset}: Conv-BN-Relu-Clip-Gemm"] = () => OpsetVariant(ir, opset);
        return d;
    }

    static Ir.AttributeProto[] ConvAttrs(long k, long pad, long stride = 1, long group = 1, int spatial = 2) =>
    [
        Ints("dilations", Enumerable.Repeat(1L, spatial).ToArray()),
        Int("group", group),
        Ints("kernel_shape", Enumerable.Repeat(k, spatial).ToArray()),
        Ints("pads", Enumerable.Repeat(pad, 2 * spatial).ToArray()),
        Ints("strides", Enumerable.Repeat(stride, spatial).ToArray()),
    ];

    static PatternCase Case(string name, Net n, long opset, long ir, string producer, params ExpectedLayer[] layers) =>
        new(name, n.Model(opset, ir, producer), n.Feeds, layers);

    // ---- PyTorch ----------------------------------------------------------------------------------

    static PatternCase TorchClassic()
    {
        var n = new Net(1);
        n.Input("input", [2, 3, 8, 8], "batch_size", 3, 8, 8);
        n.Init("conv1.weight", 8, 3, 3, 3);
        n.Init("conv1.bias", 8);
        n.Op("Conv", ["input", "conv1.weight", "conv1.bias"], "/conv1/Conv_output_0", "/conv1/Conv", ConvAttrs(3, 1));
        n.Bn("/conv1/Conv_output_0", 8, "/bn1/BatchNormalization_output_0", "/bn1/BatchNormalization", TorchBn("bn1"), Float("momentum", 0.9f));
        n.Op("Relu", ["/bn1/BatchNormalization_output_0"], "/relu/Relu_output_0", "/relu/Relu");
        n.Op("MaxPool", ["/relu/Relu_output_0"], "/pool/MaxPool_output_0", "/pool/MaxPool", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
        n.Init("conv2.weight", 16, 8, 3, 3);
        n.Op("Conv", ["/pool/MaxPool_output_0", "conv2.weight"], "/conv2/Conv_output_0", "/conv2/Conv", ConvAttrs(3, 1));
        n.Bn("/conv2/Conv_output_0", 16, "/bn2/BatchNormalization_output_0", "/bn2/BatchNormalization", TorchBn("bn2"), Float("momentum", 0.9f));
        n.Op("Relu", ["/bn2/BatchNormalization_output_0"], "/relu_1/Relu_output_0", "/relu_1/Relu");
        n.Op("GlobalAveragePool", ["/relu_1/Relu_output_0"], "/gap/GlobalAveragePool_output_0", "/gap/GlobalAveragePool");
        n.Op("Flatten", ["/gap/GlobalAveragePool_output_0"], "/Flatten_output_0", "/Flatten", Int("axis", 1));
        n.Init("fc.weight", 10, 16);
        n.Init("fc.bias", 10);
        n.Op("Gemm", ["/Flatten_output_0", "fc.weight", "fc.bias"], "logits", "/fc/Gemm", Float("alpha", 1), Float("beta", 1), Int("transB", 1));
        n.Output("logits");
        return Case("", n, 13, 7, "pytorch",
            Conv("conv1", 8, "/conv1/Conv_output_0", ("conv1.weight", 0), ("conv1.bias", 0)),
            Bn("bn1", 8, "/bn1/BatchNormalization_output_0", ("bn1.weight", 0), ("bn1.bias", 0)),
            Conv("conv2", 16, "/conv2/Conv_output_0", ("conv2.weight", 0)),
            Bn("bn2", 16, "/bn2/BatchNormalization_output_0", ("bn2.weight", 0), ("bn2.bias", 0)),
            Dense("fc", 10, "logits", ("fc.weight", 0), ("fc.bias", 0)).AsClassifier());
    }

    /// <summary>
    /// torch.onnx.export (TorchScript, no constant folding, BN kept) deduplicates parameters of equal
    /// value: the zero BN biases and running means of two layers are one initializer, and each
    /// layer reads it through an Identity named as its own parameter (seen in PyTorch 2.11's export
    /// of torchvision's MobileNetV2).
    /// </summary>
    static PatternCase TorchDeduplicated()
    {
        var n = new Net(12);
        n.Input("input", [2, 3, 8, 8], "N", 3, 8, 8);
        n.Init("stem.0.weight", 4, 3, 3, 3);
        n.Op("Conv", ["input", "stem.0.weight"], "/stem/stem.0/Conv_output_0", "/stem/stem.0/Conv", ConvAttrs(3, 1));
        n.Init("stem.1.weight", [4], n.Uniform(4, 0.5, 1.5));
        n.Init("stem.1.bias", [4], new float[4]);
        n.Init("stem.1.running_var", [4], n.Uniform(4, 0.5, 1.5));
        n.Op("Identity", ["stem.1.bias"], "stem.1.running_mean", "Identity_3");
        n.Op("BatchNormalization", ["/stem/stem.0/Conv_output_0", "stem.1.weight", "stem.1.bias", "stem.1.running_mean", "stem.1.running_var"],
            "/stem/stem.1/BatchNormalization_output_0", "/stem/stem.1/BatchNormalization", Float("epsilon", 1e-5f), Float("momentum", 0.9f));
        n.Op("Relu", ["/stem/stem.1/BatchNormalization_output_0"], "/stem/stem.2/Relu_output_0", "/stem/stem.2/Relu");
        n.Init("dw.0.weight", 4, 1, 3, 3);
        n.Op("Conv", ["/stem/stem.2/Relu_output_0", "dw.0.weight"], "/dw/dw.0/Conv_output_0", "/dw/dw.0/Conv", ConvAttrs(3, 1, group: 4));
        n.Op("Identity", ["stem.1.weight"], "dw.1.weight", "Identity_2");
        n.Op("Identity", ["stem.1.bias"], "dw.1.bias", "Identity_1");
        n.Op("Identity", ["stem.1.bias"], "dw.1.running_mean", "Identity_0");
        n.Op("Identity", ["stem.1.running_var"], "dw.1.running_var", "Identity_4");
        n.Op("BatchNormalization", ["/dw/dw.0/Conv_output_0", "dw.1.weight", "dw.1.bias", "dw.1.running_mean", "dw.1.running_var"],
            "/dw/dw.1/BatchNormalization_output_0", "/dw/dw.1/BatchNormalization", Float("epsilon", 1e-5f), Float("momentum", 0.9f));
        n.Op("GlobalAveragePool", ["/dw/dw.1/BatchNormalization_output_0"], "/gap/GlobalAveragePool_output_0", "/gap/GlobalAveragePool");
        n.Op("Flatten", ["/gap/GlobalAveragePool_output_0"], "/Flatten_output_0", "/Flatten", Int("axis", 1));
        n.Init("fc.weight", 5, 4);
        n.Init("fc.bias", 5);
        n.Op("Gemm", ["/Flatten_output_0", "fc.weight", "fc.bias"], "logits", "/fc/Gemm", Float("alpha", 1), Float("beta", 1), Int("transB", 1));
        n.Output("logits");
        return Case("", n, 17, 8, "pytorch",
            Conv("stem.0", 4, "/stem/stem.0/Conv_output_0", ("stem.0.weight", 0)),
            Bn("stem.1", 4, "/stem/stem.1/BatchNormalization_output_0", ("stem.1.weight", 0), ("stem.1.bias", 0)),
            Conv("dw.0", 4, "/dw/dw.0/Conv_output_0", ("dw.0.weight", 0)),
            Bn("dw.1", 4, "/dw/dw.1/BatchNormalization_output_0", ("dw.1.weight", 0), ("dw.1.bias", 0)),
            Dense("fc", 5, "logits", ("fc.weight", 0), ("fc.bias", 0)).AsClassifier());
    }

    /// <summary>Weights in Constant nodes next to constants that are not weights (pads, a scale, a shape).</summary>
    public static PatternCase TorchConstants()
    {
        var n = new Net(2);
        n.Input("input.1", [1, 3, 6, 6]);
        n.ConstW("onnx::Conv_21", [8, 3, 3, 3], "Constant_0");
        n.ConstW("onnx::Conv_22", [8], "Constant_1");
        n.ConstInts("onnx::Pad_23", [0, 0, 1, 1, 0, 0, 1, 1], "Constant_2");
        n.Op("Pad", ["input.1", "onnx::Pad_23"], "24", "Pad_3", Str("mode", "constant"));
        n.Op("Conv", ["24", "onnx::Conv_21", "onnx::Conv_22"], "25", "Conv_4", ConvAttrs(3, 1));
        n.Op("Relu", ["25"], "26", "Relu_5");
        n.Const("onnx::Mul_27", Tensors.FloatScalar("", 0.5f), "Constant_6");
        n.Op("Mul", ["26", "onnx::Mul_27"], "28", "Mul_7");
        n.ConstW("onnx::Conv_29", [4, 8, 1, 1], "Constant_8");
        n.Op("Conv", ["28", "onnx::Conv_29"], "30", "Conv_9", ConvAttrs(1, 0));
        n.ConstInts("onnx::Reshape_31", [-1, 256], "Constant_10");
        n.Op("Reshape", ["30", "onnx::Reshape_31"], "32", "Reshape_11");
        n.ConstW("onnx::Gemm_33", [5, 256], "Constant_12");
        n.ConstW("onnx::Gemm_34", [5], "Constant_13");
        n.Op("Gemm", ["32", "onnx::Gemm_33", "onnx::Gemm_34"], "output", "Gemm_14", Float("alpha", 1), Float("beta", 1), Int("transB", 1));
        n.Output("output");
        return Case("", n, 11, 6, "pytorch",
            Conv("Conv_4", 8, "25", ("onnx::Conv_21", 0), ("onnx::Conv_22", 0)),
            Conv("Conv_9", 4, "30", ("onnx::Conv_29", 0)),
            Dense("Gemm_14", 5, "output", ("onnx::Gemm_33", 0), ("onnx::Gemm_34", 0)).AsClassifier());
    }

    /// <summary>keep_initializers_as_inputs=True (and every IR-3 model): parameters are also graph inputs.</summary>
    public static PatternCase TorchInitializersAsInputs()
    {
        var n = new Net(3);
        n.Input("input.1", [2, 3, 6, 6], "batch", 3, 6, 6);
        n.Init("features.0.weight", 6, 3, 3, 3);
        n.Init("features.0.bias", 6);
        n.Op("Conv", ["input.1", "features.0.weight", "features.0.bias"], "7", "", ConvAttrs(3, 1));
        n.Bn("7", 6, "8", "", Net.TorchBn("features.1"), Float("momentum", 0.9f));
        n.Op("Relu", ["8"], "9");
        n.Op("GlobalAveragePool", ["9"], "10");
        n.Op("Flatten", ["10"], "11", "", Int("axis", 1));
        n.Init("classifier.weight", 4, 6);
        n.Init("classifier.bias", 4);
        n.Op("Gemm", ["11", "classifier.weight", "classifier.bias"], "12", "", Float("alpha", 1), Float("beta", 1), Int("transB", 1));
        n.Output("12");
        foreach (var t in n.Graph.Initializer.Select(i => i.Name).ToList()) n.AlsoInput(t);
        return Case("", n, 9, 4, "pytorch",
            Conv("features.0", 6, "7", ("features.0.weight", 0), ("features.0.bias", 0)),
            Bn("features.1", 6, "8", ("features.1.weight", 0), ("features.1.bias", 0)),
            Dense("classifier", 4, "12", ("classifier.weight", 0), ("classifier.bias", 0)).AsClassifier());
    }

    static PatternCase BnFoldedIntoConv()
    {
        var n = new Net(5);
        n.Input("x", [2, 3, 8, 8], "batch", 3, 8, 8);
        n.Init("onnx::Conv_123", 8, 3, 3, 3);
        n.Init("onnx::Conv_124", 8);
        n.Op("Conv", ["x", "onnx::Conv_123", "onnx::Conv_124"], "/features/features.0/Conv_output_0", "/features/features.0/Conv", ConvAttrs(3, 1));
        n.Op("Relu", ["/features/features.0/Conv_output_0"], "/features/features.2/Relu_output_0", "/features/features.2/Relu");
        n.Init("onnx::Conv_126", 16, 8, 3, 3);
        n.Init("onnx::Conv_127", 16);
        n.Op("Conv", ["/features/features.2/Relu_output_0", "onnx::Conv_126", "onnx::Conv_127"], "/features/features.3/Conv_output_0", "/features/features.3/Conv", ConvAttrs(3, 1, stride: 2));
        n.Op("Relu", ["/features/features.3/Conv_output_0"], "/features/features.5/Relu_output_0", "/features/features.5/Relu");
        n.Op("GlobalAveragePool", ["/features/features.5/Relu_output_0"], "/avgpool/GlobalAveragePool_output_0", "/avgpool/GlobalAveragePool");
        n.Op("Flatten", ["/avgpool/GlobalAveragePool_output_0"], "/Flatten_output_0", "/Flatten", Int("axis", 1));
        n.Init("classifier.weight", 10, 16);
        n.Init("classifier.bias", 10);
        n.Op("Gemm", ["/Flatten_output_0", "classifier.weight", "classifier.bias"], "logits", "/classifier/Gemm", Float("alpha", 1), Float("beta", 1), Int("transB", 1));
        n.Output("logits");
        return Case("", n, 17, 8, "pytorch",
            Conv("/features/features.0/Conv", 8, "/features/features.0/Conv_output_0", ("onnx::Conv_123", 0), ("onnx::Conv_124", 0)),
            Conv("/features/features.3/Conv", 16, "/features/features.3/Conv_output_0", ("onnx::Conv_126", 0), ("onnx::Conv_127", 0)),
            Dense("classifier", 10, "logits", ("classifier.weight", 0), ("classifier.bias", 0)).AsClassifier());
    }

    // ---- tf2onnx / Keras -----------------------------------------------------------------------------

    static PatternCase SeparateBiasAdd()
    {
        var n = new Net(4);
        n.Input("x:0", [2, 3, 8, 8], "unk__10", 3, 8, 8);
        n.Input("x1d:0", [2, 4, 16], "unk__11", 4, 16);
        // 2-D conv, bias [1, C, 1, 1] added after.
        n.Init("conv2d/kernel:0", 8, 3, 3, 3);
        n.Init("conv2d/bias:0", [1, 8, 1, 1], n.Weights([8]));
        n.Op("Conv", ["x:0", "conv2d/kernel:0"], "conv2d/Conv2D:0", "conv2d/Conv2D", ConvAttrs(3, 1));
        n.Op("Add", ["conv2d/Conv2D:0", "conv2d/bias:0"], "conv2d/BiasAdd:0", "conv2d/BiasAdd");
        n.Op("Relu", ["conv2d/BiasAdd:0"], "conv2d/Relu:0", "conv2d/Relu");
        n.Op("GlobalAveragePool", ["conv2d/Relu:0"], "gap:0", "gap");
        n.Op("Flatten", ["gap:0"], "flat:0", "flat", Int("axis", 1));
        // Conv1D on rank-3 tensors, bias [C, 1].
        n.Init("conv1d/kernel:0", 6, 4, 3);
        n.Init("conv1d/bias:0", [6, 1], n.Weights([6]));
        n.Op("Conv", ["x1d:0", "conv1d/kernel:0"], "conv1d/Conv1D:0", "conv1d/Conv1D", ConvAttrs(3, 1, spatial: 1));
        n.Op("Add", ["conv1d/Conv1D:0", "conv1d/bias:0"], "conv1d/BiasAdd:0", "conv1d/BiasAdd");
        n.Op("Relu", ["conv1d/BiasAdd:0"], "conv1d/Relu:0", "conv1d/Relu");
        // Conv1D whose bias [C] becomes [C, 1] through Unsqueeze of a Constant, added bias-first.
        n.Init("conv1d_1/kernel:0", 5, 6, 3);
        n.ConstW("conv1d_1/bias:0", [5], "conv1d_1/bias/Const");
        n.ConstInts("conv1d_1/bias/axes:0", [1], "conv1d_1/bias/axes");
        n.Op("Unsqueeze", ["conv1d_1/bias:0", "conv1d_1/bias/axes:0"], "conv1d_1/bias/ExpandDims:0", "conv1d_1/bias/ExpandDims");
        n.Op("Conv", ["conv1d/Relu:0", "conv1d_1/kernel:0"], "conv1d_1/Conv1D:0", "conv1d_1/Conv1D", ConvAttrs(3, 1, spatial: 1));
        n.Op("Add", ["conv1d_1/bias/ExpandDims:0", "conv1d_1/Conv1D:0"], "conv1d_1/BiasAdd:0", "conv1d_1/BiasAdd");
        n.Op("ReduceMean", ["conv1d_1/BiasAdd:0"], "conv1d_1/Mean:0", "conv1d_1/Mean", Ints("axes", 2), Int("keepdims", 0));
        // Dense: MatMul with [in, out] kernel, bias [out] added after.
        n.Op("Concat", ["flat:0", "conv1d_1/Mean:0"], "concat:0", "concat", Int("axis", 1));
        n.Init("dense/kernel:0", 13, 3);
        n.Init("dense/bias:0", 3);
        n.Op("MatMul", ["concat:0", "dense/kernel:0"], "dense/MatMul:0", "dense/MatMul");
        n.Op("Add", ["dense/MatMul:0", "dense/bias:0"], "dense/BiasAdd:0", "dense/BiasAdd");
        n.Output("dense/BiasAdd:0");
        return Case("", n, 13, 7, "tf2onnx",
            Conv("conv2d/Conv2D", 8, "conv2d/BiasAdd:0", ("conv2d/kernel:0", 0), ("conv2d/bias:0", 1)),
            Conv("conv1d/Conv1D", 6, "conv1d/BiasAdd:0", ("conv1d/kernel:0", 0), ("conv1d/bias:0", 0)),
            Conv("conv1d_1/Conv1D", 5, "conv1d_1/BiasAdd:0", ("conv1d_1/kernel:0", 0), ("conv1d_1/bias/ExpandDims:0", 0)),
            Dense("dense/MatMul", 3, "dense/BiasAdd:0", ("dense/kernel:0", 1), ("dense/bias:0", 0)).AsClassifier());
    }

    static PatternCase BnAfterReluAndRank2()
    {
        var n = new Net(6);
        n.Input("x", [2, 3, 6, 6], "N", 3, 6, 6);
        n.Init("c1.weight", 8, 3, 3, 3);
        n.Init("c1.bias", 8);
        n.Op("Conv", ["x", "c1.weight", "c1.bias"], "/c1/Conv_output_0", "/c1/Conv", ConvAttrs(3, 1));
        n.Op("Relu", ["/c1/Conv_output_0"], "/act/Relu_output_0", "/act/Relu");
        n.Bn("/act/Relu_output_0", 8, "/bn1/BatchNormalization_output_0", "/bn1/BatchNormalization", TorchBn("bn1"));
        n.Op("GlobalAveragePool", ["/bn1/BatchNormalization_output_0"], "/gap_out", "/gap");
        n.Op("Flatten", ["/gap_out"], "/flat_out", "/flat", Int("axis", 1));
        n.Init("fc1_w", 8, 12); // [in, out], transB = 0
        n.Init("fc1_b", 12);
        n.Op("Gemm", ["/flat_out", "fc1_w", "fc1_b"], "/fc1/Gemm_output_0", "/fc1/Gemm");
        n.Bn("/fc1/Gemm_output_0", 12, "/bn2/BatchNormalization_output_0", "/bn2/BatchNormalization", TorchBn("bn2"));
        n.Op("Relu", ["/bn2/BatchNormalization_output_0"], "/act2/Relu_output_0", "/act2/Relu");
        n.Init("fc2.weight", 4, 12);
        n.Init("fc2.bias", 4);
        n.Op("Gemm", ["/act2/Relu_output_0", "fc2.weight", "fc2.bias"], "out", "/fc2/Gemm", Int("transB", 1));
        n.Output("out");
        return Case("", n, 15, 8, "pytorch",
            Conv("c1", 8, "/c1/Conv_output_0", ("c1.weight", 0), ("c1.bias", 0)),
            Bn("bn1", 8, "/bn1/BatchNormalization_output_0", ("bn1.weight", 0), ("bn1.bias", 0)),
            Dense("/fc1/Gemm", 12, "/fc1/Gemm_output_0", ("fc1_w", 1), ("fc1_b", 0)),
            Bn("bn2", 12, "/bn2/BatchNormalization_output_0", ("bn2.weight", 0), ("bn2.bias", 0)),
            Dense("fc2", 4, "out", ("fc2.weight", 0), ("fc2.bias", 0)).AsClassifier());
    }

    /// <summary>Dense weights as a flat Constant reshaped to [in, out], and as an initializer transposed to [in, out].</summary>
    public static PatternCase MatMulThroughReshape()
    {
        var n = new Net(7);
        n.Input("features:0", [3, 12], "unk__5", 12);
        n.ConstW("dense/kernel/read:0", [72], "dense/kernel/read");
        n.ConstInts("dense/kernel/shape:0", [12, 6], "dense/kernel/shape");
        n.Op("Reshape", ["dense/kernel/read:0", "dense/kernel/shape:0"], "dense/kernel/Reshape:0", "dense/kernel/Reshape");
        n.Op("MatMul", ["features:0", "dense/kernel/Reshape:0"], "dense/MatMul:0", "dense/MatMul");
        n.ConstW("dense/bias:0", [6], "dense/bias");
        n.Op("Add", ["dense/MatMul:0", "dense/bias:0"], "dense/BiasAdd:0", "dense/BiasAdd");
        n.Op("Relu", ["dense/BiasAdd:0"], "dense/Relu:0", "dense/Relu");
        n.Init("fc2.weight", 3, 6);
        n.Init("fc2.bias", 3);
        n.Op("Transpose", ["fc2.weight"], "onnx::MatMul_9", "/fc2/Transpose", Ints("perm", 1, 0));
        n.Op("MatMul", ["dense/Relu:0", "onnx::MatMul_9"], "/fc2/MatMul_output_0", "/fc2/MatMul");
        n.Op("Add", ["fc2.bias", "/fc2/MatMul_output_0"], "logits", "/fc2/Add");
        n.Output("logits");
        return Case("", n, 12, 7, "tf2onnx",
            Dense("dense/MatMul", 6, "dense/BiasAdd:0", ("dense/kernel/Reshape:0", 1), ("dense/bias:0", 0)),
            Dense("/fc2/MatMul", 3, "logits", ("onnx::MatMul_9", 1), ("fc2.bias", 0)).AsClassifier());
    }

    static PatternCase AutoPadSameUpper()
    {
        var n = new Net(12);
        n.Input("input_1:0", [2, 3, 7, 7], "unk__3", 3, 7, 7);
        n.Init("model/conv/Conv2D/ReadVariableOp:0", 8, 3, 3, 3);
        n.Init("model/conv/BiasAdd/ReadVariableOp:0", 8);
        n.Op("Conv", ["input_1:0", "model/conv/Conv2D/ReadVariableOp:0", "model/conv/BiasAdd/ReadVariableOp:0"], "model/conv/BiasAdd:0", "model/conv/Conv2D",
            Str("auto_pad", "SAME_UPPER"), Ints("dilations", 1, 1), Ints("kernel_shape", 3, 3), Ints("strides", 2, 2));
        n.Op("Relu", ["model/conv/BiasAdd:0"], "model/conv/Relu:0", "model/conv/Relu");
        n.Init("model/conv_1/Conv2D/ReadVariableOp:0", 4, 8, 2, 2);
        n.Op("Conv", ["model/conv/Relu:0", "model/conv_1/Conv2D/ReadVariableOp:0"], "model/conv_1/Conv2D:0", "model/conv_1/Conv2D",
            Str("auto_pad", "SAME_UPPER"), Ints("kernel_shape", 2, 2), Ints("strides", 1, 1));
        n.Output("model/conv_1/Conv2D:0");
        return Case("", n, 11, 6, "tf2onnx",
            Conv("model/conv/Conv2D", 8, "model/conv/BiasAdd:0", ("model/conv/Conv2D/ReadVariableOp:0", 0), ("model/conv/BiasAdd/ReadVariableOp:0", 0)),
            Conv("model/conv_1/Conv2D", 4, "model/conv_1/Conv2D:0", ("model/conv_1/Conv2D/ReadVariableOp:0", 0)));
    }

    /// <summary>NHWC input transposed to NCHW; the kernel stored HWIO in a Constant and transposed to OIHW.</summary>
    public static PatternCase NhwcTranspose()
    {
        var n = new Net(13);
        n.Input("input_1", [2, 6, 6, 3], "unk__0", 6, 6, 3);
        n.Op("Transpose", ["input_1"], "model/conv/Conv2D__6:0", "model/conv/Conv2D__6", Ints("perm", 0, 3, 1, 2));
        n.ConstW("model/conv/Conv2D/ReadVariableOp:0", [3, 3, 3, 8], "model/conv/Conv2D/ReadVariableOp");
        n.Op("Transpose", ["model/conv/Conv2D/ReadVariableOp:0"], "model/conv/Conv2D/ReadVariableOp__7:0", "model/conv/Conv2D/ReadVariableOp__7", Ints("perm", 3, 2, 0, 1));
        n.Init("model/conv/BiasAdd/ReadVariableOp:0", 8);
        n.Op("Conv", ["model/conv/Conv2D__6:0", "model/conv/Conv2D/ReadVariableOp__7:0", "model/conv/BiasAdd/ReadVariableOp:0"], "model/conv/BiasAdd:0", "model/conv/Conv2D", ConvAttrs(3, 1));
        n.Op("Relu", ["model/conv/BiasAdd:0"], "model/conv/Relu:0", "model/conv/Relu");
        n.Op("Transpose", ["model/conv/Relu:0"], "Identity:0", "model/conv/Relu__9", Ints("perm", 0, 2, 3, 1));
        n.Output("Identity:0");
        return Case("", n, 13, 7, "tf2onnx",
            Conv("model/conv/Conv2D", 8, "model/conv/BiasAdd:0", ("model/conv/Conv2D/ReadVariableOp__7:0", 0), ("model/conv/BiasAdd/ReadVariableOp:0", 0)));
    }

    // ---- architectures -----------------------------------------------------------------------------------

    static PatternCase DepthwiseGrouped()
    {
        var n = new Net(8);
        n.Input("x", [2, 4, 8, 8], "N", 4, 8, 8);
        n.Init("stem.weight", 8, 4, 3, 3);
        n.Op("Conv", ["x", "stem.weight"], "/stem/Conv_output_0", "/stem/Conv", ConvAttrs(3, 1));
        n.Op("Relu", ["/stem/Conv_output_0"], "/r0", "/relu0");
        n.Init("dw.weight", 8, 1, 3, 3);
        n.Init("dw.bias", 8);
        n.Op("Conv", ["/r0", "dw.weight", "dw.bias"], "/dw/Conv_output_0", "/dw/Conv", ConvAttrs(3, 1, group: 8));
        n.Op("Relu", ["/dw/Conv_output_0"], "/r1", "/relu1");
        n.Init("gc.weight", 6, 4, 3, 3);
        n.Op("Conv", ["/r1", "gc.weight"], "/gc/Conv_output_0", "/gc/Conv", ConvAttrs(3, 1, group: 2));
        n.Output("/gc/Conv_output_0");
        return Case("", n, 13, 7, "pytorch",
            Conv("stem", 8, "/stem/Conv_output_0", ("stem.weight", 0)),
            Conv("dw", 8, "/dw/Conv_output_0", ("dw.weight", 0), ("dw.bias", 0)),
            Conv("gc", 6, "/gc/Conv_output_0", ("gc.weight", 0)));
    }

    static PatternCase SqueezeExcite()
    {
        var n = new Net(9);
        n.Input("x", [2, 4, 6, 6], "N", 4, 6, 6);
        n.Init("conv.weight", 8, 4, 3, 3);
        n.Init("conv.bias", 8);
        n.Op("Conv", ["x", "conv.weight", "conv.bias"], "/conv/Conv_output_0", "/conv/Conv", ConvAttrs(3, 1));
        n.Op("Relu", ["/conv/Conv_output_0"], "/feat", "/act/Relu");
        n.Op("GlobalAveragePool", ["/feat"], "/se/avgpool/GlobalAveragePool_output_0", "/se/avgpool/GlobalAveragePool");
        n.Init("se.fc1.weight", 2, 8, 1, 1);
        n.Init("se.fc1.bias", 2);
        n.Op("Conv", ["/se/avgpool/GlobalAveragePool_output_0", "se.fc1.weight", "se.fc1.bias"], "/se/fc1/Conv_output_0", "/se/fc1/Conv", ConvAttrs(1, 0));
        n.Op("Relu", ["/se/fc1/Conv_output_0"], "/se/relu/Relu_output_0", "/se/relu/Relu");
        n.Init("se.fc2.weight", 8, 2, 1, 1);
        n.Init("se.fc2.bias", 8);
        n.Op("Conv", ["/se/relu/Relu_output_0", "se.fc2.weight", "se.fc2.bias"], "/se/fc2/Conv_output_0", "/se/fc2/Conv", ConvAttrs(1, 0));
        n.Op("HardSigmoid", ["/se/fc2/Conv_output_0"], "/se/scale/HardSigmoid_output_0", "/se/scale/HardSigmoid", Float("alpha", 1f / 6), Float("beta", 0.5f));
        n.Op("Mul", ["/feat", "/se/scale/HardSigmoid_output_0"], "/se/Mul_output_0", "/se/Mul");
        n.Init("proj.weight", 4, 8, 1, 1);
        n.Op("Conv", ["/se/Mul_output_0", "proj.weight"], "out", "/proj/Conv", ConvAttrs(1, 0));
        n.Output("out");
        return Case("", n, 13, 7, "pytorch",
            Conv("conv", 8, "/conv/Conv_output_0", ("conv.weight", 0), ("conv.bias", 0)),
            Conv("se.fc1", 2, "/se/fc1/Conv_output_0", ("se.fc1.weight", 0), ("se.fc1.bias", 0)),
            Conv("se.fc2", 8, "/se/fc2/Conv_output_0", ("se.fc2.weight", 0), ("se.fc2.bias", 0)),
            Conv("proj", 4, "out", ("proj.weight", 0)));
    }

    static PatternCase Activations()
    {
        var n = new Net(10);
        n.Input("x", [2, 3, 6, 6], "N", 3, 6, 6);
        n.Init("c1.weight", 6, 3, 3, 3);
        n.Op("Conv", ["x", "c1.weight"], "c1_out", "/c1/Conv", ConvAttrs(3, 1));
        n.Op("LeakyRelu", ["c1_out"], "leaky_out", "/act1/LeakyRelu", Float("alpha", 0.1f));
        n.Init("c2.weight", 6, 6, 1, 1);
        n.Init("c2.bias", 6);
        n.Op("Conv", ["leaky_out", "c2.weight", "c2.bias"], "c2_out", "/c2/Conv", ConvAttrs(1, 0));
        n.Op("Sigmoid", ["c2_out"], "sig_out", "/act2/Sigmoid");
        n.Op("Mul", ["c2_out", "sig_out"], "silu_out", "/act2/Mul");
        n.Init("c3.weight", 4, 6, 1, 1);
        n.Op("Conv", ["silu_out", "c3.weight"], "c3_out", "/c3/Conv", ConvAttrs(1, 0));
        n.Op("HardSigmoid", ["c3_out"], "hsig_out", "/act3/HardSigmoid", Float("alpha", 0.2f), Float("beta", 0.5f));
        n.Init("c4.weight", 4, 4, 1, 1);
        n.Init("c4.bias", 4);
        n.Op("Conv", ["hsig_out", "c4.weight", "c4.bias"], "c4_out", "/c4/Conv", ConvAttrs(1, 0));
        n.Op("Exp", ["c4_out"], "out", "/act4/Exp");
        n.Output("out");
        return Case("", n, 14, 8, "pytorch",
            Conv("c1", 6, "c1_out", ("c1.weight", 0)),
            Conv("c2", 6, "c2_out", ("c2.weight", 0), ("c2.bias", 0)),
            Conv("c3", 4, "c3_out", ("c3.weight", 0)),
            Conv("c4", 4, "c4_out", ("c4.weight", 0), ("c4.bias", 0)));
    }

    /// <summary>MobileNetV2's inverted residual with ReLU6 written as Clip in the opset's form.</summary>
    static PatternCase ClipNet(long opset, long ir)
    {
        var n = new Net(11);
        n.Input("x", [2, 4, 6, 6], "N", 4, 6, 6);
        string Clip(string x, string output, string name)
        {
            if (opset < 11) return n.Op("Clip", [x], output, name, Float("max", 6), Float("min", 0));
            var lo = n.Const(name + "_min", Tensors.FloatScalar("", 0), name + "/Constant");
            var hi = n.Const(name + "_max", Tensors.FloatScalar("", 6), name + "/Constant_1");
            return n.Op("Clip", [x, lo, hi], output, name);
        }
        n.Init("m.0.weight", 8, 4, 1, 1);
        n.Op("Conv", ["x", "m.0.weight"], "/m.0/Conv_output_0", "/m.0/Conv", ConvAttrs(1, 0));
        n.Bn("/m.0/Conv_output_0", 8, "/m.1/BN_output_0", "/m.1/BatchNormalization", TorchBn("m.1"));
        Clip("/m.1/BN_output_0", "/m.2/Clip_output_0", "/m.2/Clip");
        n.Init("m.3.weight", 8, 1, 3, 3);
        n.Op("Conv", ["/m.2/Clip_output_0", "m.3.weight"], "/m.3/Conv_output_0", "/m.3/Conv", ConvAttrs(3, 1, group: 8));
        n.Bn("/m.3/Conv_output_0", 8, "/m.4/BN_output_0", "/m.4/BatchNormalization", TorchBn("m.4"));
        Clip("/m.4/BN_output_0", "/m.5/Clip_output_0", "/m.5/Clip");
        n.Init("m.6.weight", 4, 8, 1, 1);
        n.Op("Conv", ["/m.5/Clip_output_0", "m.6.weight"], "/m.6/Conv_output_0", "/m.6/Conv", ConvAttrs(1, 0));
        n.Bn("/m.6/Conv_output_0", 4, "/m.7/BN_output_0", "/m.7/BatchNormalization", TorchBn("m.7"));
        n.Op("Add", ["x", "/m.7/BN_output_0"], "out", "/Add");
        n.Output("out");
        return Case("", n, opset, ir, "pytorch",
            Conv("m.0", 8, "/m.0/Conv_output_0", ("m.0.weight", 0)),
            Bn("m.1", 8, "/m.1/BN_output_0", ("m.1.weight", 0), ("m.1.bias", 0)),
            Conv("m.3", 8, "/m.3/Conv_output_0", ("m.3.weight", 0)),
            Bn("m.4", 8, "/m.4/BN_output_0", ("m.4.weight", 0), ("m.4.bias", 0)),
            Conv("m.6", 4, "/m.6/Conv_output_0", ("m.6.weight", 0)),
            Bn("m.7", 4, "/m.7/BN_output_0", ("m.7.weight", 0), ("m.7.bias", 0)));
    }

    public enum Flatten { GatherConcat, CastSlice, ConstantShape, FlattenOp }

    /// <summary>Conv → Relu → (flatten as an exporter writes it) → Gemm → Relu → Gemm.</summary>
    public static PatternCase FlattenNet(Flatten kind)
    {
        long opset = kind switch { Flatten.GatherConcat => 11, Flatten.CastSlice => 13, Flatten.ConstantShape => 9, _ => 8 };
        long ir = kind switch { Flatten.GatherConcat => 6, Flatten.CastSlice => 7, Flatten.ConstantShape => 4, _ => 3 };
        var n = new Net(14);
        n.Input("x", [2, 3, 4, 4], "N", 3, 4, 4);
        n.Init("conv.weight", 4, 3, 3, 3);
        n.Init("conv.bias", 4);
        n.Op("Conv", ["x", "conv.weight", "conv.bias"], "/conv/Conv_output_0", "/conv/Conv", ConvAttrs(3, 1));
        var h = n.Op("Relu", ["/conv/Conv_output_0"], "/relu/Relu_output_0", "/relu/Relu");
        string flat;
        switch (kind)
        {
            case Flatten.GatherConcat: // x.view(x.size(0), -1) in PyTorch 1.x
                n.Op("Shape", [h], "/Shape_output_0", "/Shape");
                n.Const("/Constant_output_0", Tensors.Int64("", [], [0]), "/Constant");
                n.Op("Gather", ["/Shape_output_0", "/Constant_output_0"], "/Gather_output_0", "/Gather", Int("axis", 0));
                n.Op("Unsqueeze", ["/Gather_output_0"], "/Unsqueeze_output_0", "/Unsqueeze", Ints("axes", 0));
                n.ConstInts("/Constant_1_output_0", [-1], "/Constant_1");
                n.Op("Concat", ["/Unsqueeze_output_0", "/Constant_1_output_0"], "/Concat_output_0", "/Concat", Int("axis", 0));
                flat = n.Op("Reshape", [h, "/Concat_output_0"], "/Reshape_output_0", "/Reshape");
                break;
            case Flatten.CastSlice: // tf2onnx: tf.shape is int32
                n.Op("Shape", [h], "flatten/Shape:0", "flatten/Shape");
                n.Op("Cast", ["flatten/Shape:0"], "flatten/Shape__1:0", "flatten/Shape__1", Int("to", (long)DataType.Int32));
                n.ConstInts("flatten/starts:0", [0], "flatten/starts");
                n.ConstInts("flatten/ends:0", [1], "flatten/ends");
                n.ConstInts("flatten/axes:0", [0], "flatten/axes");
                n.Op("Slice", ["flatten/Shape__1:0", "flatten/starts:0", "flatten/ends:0", "flatten/axes:0"], "flatten/strided_slice:0", "flatten/strided_slice");
                n.Op("Cast", ["flatten/strided_slice:0"], "flatten/strided_slice__2:0", "flatten/strided_slice__2", Int("to", (long)DataType.Int64));
                n.ConstInts("flatten/Reshape/shape_1:0", [-1], "flatten/Reshape/shape_1");
                n.Op("Concat", ["flatten/strided_slice__2:0", "flatten/Reshape/shape_1:0"], "flatten/Reshape/shape:0", "flatten/Reshape/shape", Int("axis", 0));
                flat = n.Op("Reshape", [h, "flatten/Reshape/shape:0"], "flatten/Reshape:0", "flatten/Reshape");
                break;
            case Flatten.ConstantShape:
                n.ConstInts("/Constant_output_0", [-1, 64], "/Constant");
                flat = n.Op("Reshape", [h, "/Constant_output_0"], "/Reshape_output_0", "/Reshape");
                break;
            default:
                flat = n.Op("Flatten", [h], "/Flatten_output_0", "/Flatten", Int("axis", 1));
                break;
        }
        n.Init("fc.weight", 5, 64);
        n.Init("fc.bias", 5);
        n.Op("Gemm", [flat, "fc.weight", "fc.bias"], "/fc/Gemm_output_0", "/fc/Gemm", Float("alpha", 1), Float("beta", 1), Int("transB", 1));
        n.Op("Relu", ["/fc/Gemm_output_0"], "/relu_1/Relu_output_0", "/relu_1/Relu");
        n.Init("out.weight", 3, 5);
        n.Init("out.bias", 3);
        n.Op("Gemm", ["/relu_1/Relu_output_0", "out.weight", "out.bias"], "logits", "/out/Gemm", Float("alpha", 1), Float("beta", 1), Int("transB", 1));
        n.Output("logits");
        if (ir < 4) foreach (var t in n.Graph.Initializer.Select(i => i.Name).ToList()) n.AlsoInput(t);
        return Case("", n, opset, ir, kind == Flatten.CastSlice ? "tf2onnx" : "pytorch",
            Conv("conv", 4, "/conv/Conv_output_0", ("conv.weight", 0), ("conv.bias", 0)),
            Dense("fc", 5, "/fc/Gemm_output_0", ("fc.weight", 0), ("fc.bias", 0)),
            Dense("out", 3, "logits", ("out.weight", 0), ("out.bias", 0)).AsClassifier());
    }

    // ---- other exporters ----------------------------------------------------------------------------------

    static PatternCase UnnamedNumericNames()
    {
        var n = new Net(15);
        n.Input("0", [2, 3, 6, 6], "unk__1", 3, 6, 6);
        n.Init("1", 4, 3, 3, 3);
        n.Init("2", 4);
        n.Op("Conv", ["0", "1", "2"], "5", "", ConvAttrs(3, 1));
        n.Bn("5", 4, "10", "", ["6", "7", "8", "9"]);
        n.Op("Relu", ["10"], "11");
        n.Init("Block/Parameter:12", 4, 4, 1, 1);
        n.Op("Conv", ["11", "Block/Parameter:12"], "Block/Convolution:13", "", ConvAttrs(1, 0));
        n.Op("GlobalAveragePool", ["Block/Convolution:13"], "14");
        n.Op("Flatten", ["14"], "15", "", Int("axis", 1));
        n.Init("16", 3, 4);
        n.Init("17", 3);
        n.Op("Gemm", ["15", "16", "17"], "Plus:18", "", Int("transB", 1));
        n.Output("Plus:18");
        return Case("", n, 9, 4, "CNTK",
            Conv("5", 4, "5", ("1", 0), ("2", 0)),
            Bn("10", 4, "10", ("6", 0), ("7", 0)),
            Conv("Block/Convolution:13", 4, "Block/Convolution:13", ("Block/Parameter:12", 0)),
            Dense("Plus:18", 3, "Plus:18", ("16", 0), ("17", 0)).AsClassifier());
    }

    static PatternCase SymbolicDims()
    {
        var n = new Net(16);
        n.Input("images", [2, 3, 5, 5], "batch size", "unk__7", "height:0", "w/idth");
        n.Init("c.weight", 4, 3, 3, 3);
        n.Op("Conv", ["images", "c.weight"], "/c/Conv_output_0", "/c/Conv", ConvAttrs(3, 1));
        n.Bn("/c/Conv_output_0", 4, "/bn/BatchNormalization_output_0", "/bn/BatchNormalization", TorchBn("bn"));
        n.Op("Relu", ["/bn/BatchNormalization_output_0"], "/relu/Relu_output_0", "/relu/Relu");
        n.Op("GlobalAveragePool", ["/relu/Relu_output_0"], "/gap", "/gap/GlobalAveragePool");
        n.Op("Flatten", ["/gap"], "/flat", "/Flatten", Int("axis", 1));
        n.Init("fc.weight", 2, 4);
        n.Init("fc.bias", 2);
        n.Op("Gemm", ["/flat", "fc.weight", "fc.bias"], "scores", "/fc/Gemm", Int("transB", 1));
        n.Output("scores");
        return Case("", n, 17, 8, "pytorch",
            Conv("c", 4, "/c/Conv_output_0", ("c.weight", 0)),
            Bn("bn", 4, "/bn/BatchNormalization_output_0", ("bn.weight", 0), ("bn.bias", 0)),
            Dense("fc", 2, "scores", ("fc.weight", 0), ("fc.bias", 0)).AsClassifier());
    }

    /// <summary>Paddle names ("conv2d_0.w_0"), conv bias [C] reshaped to [1, C, 1, 1] by a Reshape, dense as MatMul + Add.</summary>
    static PatternCase Paddle()
    {
        var n = new Net(17);
        n.Input("x", [2, 3, 6, 6], "p2o.DynamicDimension.0", 3, 6, 6);
        n.Init("conv2d_0.w_0", 8, 3, 3, 3);
        n.Init("conv2d_0.b_0", 8);
        n.Op("Conv", ["x", "conv2d_0.w_0"], "conv2d_0.tmp_0", "p2o.Conv.0", ConvAttrs(3, 1));
        n.ConstInts("p2o.Constant.0_out", [1, -1, 1, 1], "p2o.Constant.0");
        n.Op("Reshape", ["conv2d_0.b_0", "p2o.Constant.0_out"], "p2o.Reshape.0_out", "p2o.Reshape.0");
        n.Op("Add", ["conv2d_0.tmp_0", "p2o.Reshape.0_out"], "conv2d_0.tmp_1", "p2o.Add.0");
        n.Bn("conv2d_0.tmp_1", 8, "batch_norm_0.tmp_2", "p2o.BatchNormalization.0", ["batch_norm_0.w_0", "batch_norm_0.b_0", "batch_norm_0.w_1", "batch_norm_0.w_2"], Float("momentum", 0.9f));
        n.Op("Relu", ["batch_norm_0.tmp_2"], "relu_0.tmp_0", "p2o.Relu.0");
        n.Op("GlobalAveragePool", ["relu_0.tmp_0"], "pool2d_0.tmp_0", "p2o.GlobalAveragePool.0");
        n.ConstInts("p2o.Constant.1_out", [-1, 8], "p2o.Constant.1");
        n.Op("Reshape", ["pool2d_0.tmp_0", "p2o.Constant.1_out"], "flatten_0.tmp_0", "p2o.Reshape.1");
        n.Init("linear_0.w_0", 8, 10);
        n.Init("linear_0.b_0", 10);
        n.Op("MatMul", ["flatten_0.tmp_0", "linear_0.w_0"], "linear_0.tmp_0", "p2o.MatMul.0");
        n.Op("Add", ["linear_0.tmp_0", "linear_0.b_0"], "linear_0.tmp_1", "p2o.Add.1");
        n.Output("linear_0.tmp_1");
        return Case("", n, 11, 6, "PaddlePaddle",
            Conv("p2o.Conv.0", 8, "conv2d_0.tmp_1", ("conv2d_0.w_0", 0), ("p2o.Reshape.0_out", 1)),
            Bn("p2o.BatchNormalization.0", 8, "batch_norm_0.tmp_2", ("batch_norm_0.w_0", 0), ("batch_norm_0.b_0", 0)),
            Dense("p2o.MatMul.0", 10, "linear_0.tmp_1", ("linear_0.w_0", 1), ("linear_0.b_0", 0)).AsClassifier());
    }

    /// <summary>MXNet 1.x: opset 8, BatchNormalization with spatial, parameters also inputs, outputs named like their nodes.</summary>
    static PatternCase MxNet()
    {
        var n = new Net(18);
        n.Input("data", [2, 3, 6, 6]);
        n.Init("conv0_weight", 8, 3, 3, 3);
        n.Init("conv0_bias", 8);
        n.Op("Conv", ["data", "conv0_weight", "conv0_bias"], "conv0", "conv0", ConvAttrs(3, 1));
        n.Bn("conv0", 8, "batchnorm0", "batchnorm0", ["batchnorm0_gamma", "batchnorm0_beta", "batchnorm0_moving_mean", "batchnorm0_moving_var"], Float("momentum", 0.9f), Int("spatial", 1));
        n.Op("Relu", ["batchnorm0"], "relu0", "relu0");
        n.Op("GlobalAveragePool", ["relu0"], "pool0", "pool0");
        n.Op("Flatten", ["pool0"], "flatten0", "flatten0");
        n.Init("fc0_weight", 10, 8);
        n.Init("fc0_bias", 10);
        n.Op("Gemm", ["flatten0", "fc0_weight", "fc0_bias"], "fc0", "fc0", Float("alpha", 1), Float("beta", 1), Int("transA", 0), Int("transB", 1));
        n.Output("fc0");
        foreach (var t in n.Graph.Initializer.Select(i => i.Name).ToList()) n.AlsoInput(t);
        return Case("", n, 8, 3, "mxnet",
            Conv("conv0", 8, "conv0", ("conv0_weight", 0), ("conv0_bias", 0)),
            Bn("batchnorm0", 8, "batchnorm0", ("batchnorm0_gamma", 0), ("batchnorm0_beta", 0)),
            Dense("fc0", 10, "fc0", ("fc0_weight", 0), ("fc0_bias", 0)).AsClassifier());
    }

    /// <summary>
    /// A one-stage detector: backbone, nearest-neighbour upsampling by Resize with an empty roi,
    /// a 1×1 head, and box decoding by Slice, Sigmoid, Exp and constant anchors/priors (which are
    /// not weights: one is even added straight to a conv output, and must stay a Constant).
    /// </summary>
    public static PatternCase Detection()
    {
        var n = new Net(19);
        n.Input("images", [1, 3, 16, 16], "batch", 3, "height", "width");
        n.Init("backbone.conv1.weight", 8, 3, 3, 3);
        n.Init("backbone.conv1.bias", 8);
        n.Op("Conv", ["images", "backbone.conv1.weight", "backbone.conv1.bias"], "/backbone/conv1/Conv_output_0", "/backbone/conv1/Conv", ConvAttrs(3, 1, stride: 2));
        n.Op("LeakyRelu", ["/backbone/conv1/Conv_output_0"], "/backbone/act1/LeakyRelu_output_0", "/backbone/act1/LeakyRelu", Float("alpha", 0.1f));
        n.Init("backbone.conv2.weight", 16, 8, 3, 3);
        n.Op("Conv", ["/backbone/act1/LeakyRelu_output_0", "backbone.conv2.weight"], "/backbone/conv2/Conv_output_0", "/backbone/conv2/Conv", ConvAttrs(3, 1, stride: 2));
        n.Bn("/backbone/conv2/Conv_output_0", 16, "/backbone/bn2/BatchNormalization_output_0", "/backbone/bn2/BatchNormalization", TorchBn("backbone.bn2"));
        n.Op("Relu", ["/backbone/bn2/BatchNormalization_output_0"], "/backbone/act2/Relu_output_0", "/backbone/act2/Relu");
        n.Const("/neck/Constant_output_0", Tensors.Float("", [4], [1, 1, 2, 2]), "/neck/Constant");
        n.Op("Resize", ["/backbone/act2/Relu_output_0", "", "/neck/Constant_output_0"], "/neck/Resize_output_0", "/neck/Resize",
            Str("coordinate_transformation_mode", "asymmetric"), Str("mode", "nearest"), Str("nearest_mode", "floor"));
        n.Op("Concat", ["/backbone/act1/LeakyRelu_output_0", "/neck/Resize_output_0"], "/neck/Concat_output_0", "/neck/Concat", Int("axis", 1));
        n.Init("head.conv.weight", 6, 24, 1, 1);
        n.Init("head.conv.bias", 6);
        n.Op("Conv", ["/neck/Concat_output_0", "head.conv.weight", "head.conv.bias"], "/head/conv/Conv_output_0", "/head/conv/Conv", ConvAttrs(1, 0));
        string Slice(long from, long to, string name)
        {
            var s = n.ConstInts($"{name}/starts", [from], $"{name}/Constant");
            var e = n.ConstInts($"{name}/ends", [to], $"{name}/Constant_1");
            var a = n.ConstInts($"{name}/axes", [1], $"{name}/Constant_2");
            return n.Op("Slice", ["/head/conv/Conv_output_0", s, e, a], $"{name}_output_0", name);
        }
        var grid = n.Const("/decode/grid", Tensors.Float("", [1, 2, 8, 8], n.Uniform(128, 0, 8)), "/decode/Constant");
        n.Op("Sigmoid", [Slice(0, 2, "/decode/Slice")], "/decode/Sigmoid_output_0", "/decode/Sigmoid");
        n.Op("Add", ["/decode/Sigmoid_output_0", grid], "/decode/xy", "/decode/Add");
        var anchors = n.Const("/decode/anchors", Tensors.Float("", [1, 2, 1, 1], [1.5f, 2.5f]), "/decode/Constant_1");
        n.Op("Exp", [Slice(2, 4, "/decode/Slice_1")], "/decode/Exp_output_0", "/decode/Exp");
        n.Op("Mul", ["/decode/Exp_output_0", anchors], "/decode/wh", "/decode/Mul");
        n.Op("Concat", ["/decode/xy", "/decode/wh"], "boxes", "/decode/Concat", Int("axis", 1));
        n.Op("Sigmoid", [Slice(4, 6, "/decode/Slice_2")], "scores", "/decode/Sigmoid_1");
        n.Init("head.cls.weight", 3, 24, 1, 1);
        n.Op("Conv", ["/neck/Concat_output_0", "head.cls.weight"], "/head/cls/Conv_output_0", "/head/cls/Conv", ConvAttrs(1, 0));
        var prior = n.Const("/head/cls/prior", Tensors.Float("", [1, 3, 8, 8], n.Uniform(192, -1, 1)), "/head/cls/Constant");
        n.Op("Add", ["/head/cls/Conv_output_0", prior], "cls_logits", "/head/cls/Add");
        n.Output("boxes", "scores", "cls_logits");
        return Case("", n, 13, 7, "pytorch",
            Conv("backbone.conv1", 8, "/backbone/conv1/Conv_output_0", ("backbone.conv1.weight", 0), ("backbone.conv1.bias", 0)),
            Conv("backbone.conv2", 16, "/backbone/conv2/Conv_output_0", ("backbone.conv2.weight", 0)),
            Bn("backbone.bn2", 16, "/backbone/bn2/BatchNormalization_output_0", ("backbone.bn2.weight", 0), ("backbone.bn2.bias", 0)),
            Conv("head.conv", 6, "/head/conv/Conv_output_0", ("head.conv.weight", 0), ("head.conv.bias", 0)),
            Conv("head.cls", 3, "/head/cls/Conv_output_0", ("head.cls.weight", 0)));
    }

    // ---- the IR / opset matrix --------------------------------------------------------------------------

    /// <summary>
    /// The same Conv-BN-Relu-Conv-BN-Clip-pool-Gemm net written in each opset's own forms:
    /// BatchNormalization with "spatial" (opset ≤ 8), Clip bounds as attributes (≤ 10) or inputs,
    /// flattening by Flatten (≤ 10) or by Shape-Gather-Unsqueeze-Concat-Reshape (Unsqueeze axes an
    /// attribute ≤ 12, an input from 13), global pooling by ReduceMean with axes as input (≥ 18);
    /// parameters also listed as graph inputs where IR &lt; 4 requires it.
    /// </summary>
    public static PatternCase OpsetVariant(long ir, long opset)
    {
        var n = new Net(20 + (int)opset);
        n.Input("input", [2, 3, 8, 8], "N", 3, 8, 8);
        n.Init("conv1.weight", 8, 3, 3, 3);
        n.Init("conv1.bias", 8);
        n.Op("Conv", ["input", "conv1.weight", "conv1.bias"], "conv1_out", "Conv_0", ConvAttrs(3, 1));
        Ir.AttributeProto[] bnAttrs = opset <= 8 ? [Float("momentum", 0.9f), Int("spatial", 1)] : [Float("momentum", 0.9f)];
        n.Bn("conv1_out", 8, "bn1_out", "BatchNormalization_1", TorchBn("bn1"), bnAttrs);
        n.Op("Relu", ["bn1_out"], "relu1_out", "Relu_2");
        n.Init("conv2.weight", 16, 8, 3, 3);
        n.Op("Conv", ["relu1_out", "conv2.weight"], "conv2_out", "Conv_3", ConvAttrs(3, 1, stride: 2));
        n.Bn("conv2_out", 16, "bn2_out", "BatchNormalization_4", TorchBn("bn2"), bnAttrs);
        if (opset < 11) n.Op("Clip", ["bn2_out"], "clip_out", "Clip_5", Float("max", 6), Float("min", 0));
        else
        {
            n.Const("clip_min", Tensors.FloatScalar("", 0), "Constant_5a");
            n.Const("clip_max", Tensors.FloatScalar("", 6), "Constant_5b");
            n.Op("Clip", ["bn2_out", "clip_min", "clip_max"], "clip_out", "Clip_5");
        }
        if (opset >= 18)
        {
            n.ConstInts("mean_axes", [2, 3], "Constant_6");
            n.Op("ReduceMean", ["clip_out", "mean_axes"], "flat_out", "ReduceMean_7", Int("keepdims", 0));
        }
        else
        {
            n.Op("GlobalAveragePool", ["clip_out"], "gap_out", "GlobalAveragePool_6");
            if (opset <= 10) n.Op("Flatten", ["gap_out"], "flat_out", "Flatten_7", Int("axis", 1));
            else
            {
                n.Op("Shape", ["gap_out"], "shape_out", "Shape_7");
                n.Const("zero", Tensors.Int64("", [], [0]), "Constant_8");
                n.Op("Gather", ["shape_out", "zero"], "batch_out", "Gather_9", Int("axis", 0));
                if (opset <= 12) n.Op("Unsqueeze", ["batch_out"], "batch_1d", "Unsqueeze_10", Ints("axes", 0));
                else n.Op("Unsqueeze", ["batch_out", n.ConstInts("unsqueeze_axes", [0], "Constant_10a")], "batch_1d", "Unsqueeze_10");
                n.ConstInts("minus_one", [-1], "Constant_11");
                n.Op("Concat", ["batch_1d", "minus_one"], "flat_shape", "Concat_12", Int("axis", 0));
                n.Op("Reshape", ["gap_out", "flat_shape"], "flat_out", "Reshape_13");
            }
        }
        n.Init("fc.weight", 10, 16);
        n.Init("fc.bias", 10);
        n.Op("Gemm", ["flat_out", "fc.weight", "fc.bias"], "logits", "Gemm_14", Float("alpha", 1), Float("beta", 1), Int("transB", 1));
        n.Output("logits");
        if (ir < 4) foreach (var t in n.Graph.Initializer.Select(i => i.Name).ToList()) n.AlsoInput(t);
        return Case("", n, opset, ir, "pytorch",
            Conv("conv1", 8, "conv1_out", ("conv1.weight", 0), ("conv1.bias", 0)),
            Bn("bn1", 8, "bn1_out", ("bn1.weight", 0), ("bn1.bias", 0)),
            Conv("conv2", 16, "conv2_out", ("conv2.weight", 0)),
            Bn("bn2", 16, "bn2_out", ("bn2.weight", 0), ("bn2.bias", 0)),
            Dense("fc", 10, "logits", ("fc.weight", 0), ("fc.bias", 0)).AsClassifier());
    }
}
