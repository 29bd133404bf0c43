using Neq.Onnx.Architectures;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;
using Neq.Onnx.Lowering;
using Neq.Onnx.Shapes;
using Neq.Onnx.Tests.Artifacts;
using Neq.Onnx.Training;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Lowering;

/// <summary>
/// Convs lowered to ONNX Runtime's NCHWc kernels give what ONNX Runtime's standard Conv gives
/// (an independent kernel: im2col + SGEMM) for the shapes the lowering must handle — channels
/// below the block, padded to it, output channels padded, strides, pads, dilations, a batch that
/// is no multiple of the block — and whole training steps of the lowered train.onnx follow the
/// standard one.
/// </summary>
public sealed class NchwcLoweringTests
{
    static int Block => CpuKernels.NchwcBlockSize;

    /// <summary>x [N, C, H, W] → Conv (W and B as graph inputs) → y.</summary>
    static ModelProto OneConv(long n, long c, long m, long h, long w, long k, long stride, long pad, long dilation, bool bias)
    {
        var b = new GraphBuilder("one_conv");
        var x = b.AddInput("x", TensorType.Of(DataType.Float, n, c, h, w));
        var wt = b.AddInput("w", TensorType.Of(DataType.Float, m, c, k, k));
        var inputs = new List<string> { x, wt };
        if (bias) inputs.Add(b.AddInput("b", TensorType.Of(DataType.Float, m)));
        var y = b.Op("Conv", inputs, [Attr.Ints("kernel_shape", k, k), Attr.Ints("strides", stride, stride),
            Attr.Ints("pads", pad, pad, pad, pad), Attr.Ints("dilations", dilation, dilation)], output: "y", name: "conv");
        b.AddOutput(y);
        return OnnxModel.Create(b.Graph);
    }

    [NchwcTheory]
    [InlineData(2, 3, 16, 8, 8, 3, 1, 1, 1, true)]    // first conv: C below the block, plain NCHW input
    [InlineData(3, 16, 16, 9, 7, 3, 1, 1, 1, false)]  // blocked in and out, odd spatial size
    [InlineData(5, 20, 24, 8, 8, 3, 2, 1, 1, true)]   // C and M padded to the block, stride 2, batch 5
    [InlineData(4, 32, 12, 6, 6, 1, 1, 0, 1, false)]  // 1×1, M below the block
    [InlineData(2, 12, 40, 10, 10, 3, 1, 2, 2, true)] // dilation 2, pad 2
    [InlineData(1, 48, 8, 5, 5, 5, 1, 2, 1, false)]   // 5×5 kernel
    public void Lowered_conv_gives_the_standard_convs_output(long n, long c, long m, long h, long w, long k, long stride, long pad, long dilation, bool bias)
    {
        var model = OneConv(n, c, m, h, w, k, stride, pad, dilation, bias);
        var lowered = NchwcLowering.Lower(model, Block);
        Assert.Equal(1, NchwcLowering.CountLowered(lowered));
        Assert.DoesNotContain(lowered.Graph.Node, node => node.OpType == "Conv" && node.Domain.Length == 0);

        var rng = new Random((int)(c * 31 + m));
        var feeds = new Dictionary<string, Feed>
        {
            ["x"] = Feed.Of(SmallNets.Uniform(rng, n * c * h * w, 1), n, c, h, w),
            ["w"] = Feed.Of(SmallNets.Uniform(rng, m * c * k * k, 0.5), m, c, k, k),
            ["b"] = Feed.Of(SmallNets.Uniform(rng, m, 0.5), m),
        };
        AssertSameOutput(model, lowered, feeds, 1e-5);
    }

    /// <summary>y of <paramref name="model"/> and of <paramref name="lowered"/> agree elementwise to <paramref name="tolerance"/> relative.</summary>
    static void AssertSameOutput(ModelProto model, ModelProto lowered, Dictionary<string, Feed> feeds, double tolerance)
    {
        using var standard = new OrtRunner(model);
        using var nchwc = new OrtRunner(lowered);
        var want = standard.Run(feeds)["y"];
        var got = nchwc.Run(feeds)["y"];
        Assert.Equal(want.Shape, got.Shape);
        for (int i = 0; i < want.Floats.Length; i++)
            Assert.True(Math.Abs(want.Floats[i] - got.Floats[i]) <= tolerance * (1 + Math.Abs(want.Floats[i])), $"y[{i}]: standard {want.Floats[i]:G9}, NCHWc {got.Floats[i]:G9}.");
    }

    /// <summary>
    /// A conv whose channel count is symbolic in input and weight (a weight gradient with the batch
    /// as channels) or known but not a multiple of 4: the graph pads the channels at run time.
    /// </summary>
    [NchwcTheory]
    [InlineData(5L)]
    [InlineData(20L)]
    [InlineData(130L)]
    public void Conv_with_channels_known_only_at_run_time_is_padded_in_the_graph(long channels)
    {
        var b = new GraphBuilder("batch_as_channels");
        var x = b.AddInput("x", new TensorType(DataType.Float, [3, Dim.Sym("N"), 9, 9]));
        var wt = b.AddInput("w", new TensorType(DataType.Float, [20, Dim.Sym("N"), 4, 4]));
        b.AddOutput(b.Op("Conv", [x, wt], [Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("dilations", 2, 2)], output: "y"));
        var model = OnnxModel.Create(b.Graph);
        var lowered = NchwcLowering.Lower(model, Block);
        Assert.Equal(1, NchwcLowering.CountLowered(lowered));
        var rng = new Random((int)channels);
        var feeds = new Dictionary<string, Feed>
        {
            ["x"] = Feed.Of(SmallNets.Uniform(rng, 3 * channels * 81, 1), 3, channels, 9, 9),
            ["w"] = Feed.Of(SmallNets.Uniform(rng, 20 * channels * 16, 0.5), 20, channels, 4, 4),
        };
        AssertSameOutput(model, lowered, feeds, 1e-4);
    }

    [NchwcFact]
    public void Convs_the_kernels_cannot_run_stay_standard()
    {
        // 18 channels: above the block and not a multiple of 4 — lowered with a pad in the graph.
        var odd = OneConv(2, Block + 2, 16, 6, 6, 3, 1, 1, 1, false);
        Assert.Equal(1, NchwcLowering.CountLowered(NchwcLowering.Lower(odd, Block)));

        var b = new GraphBuilder("grouped");
        var x = b.AddInput("x", TensorType.Of(DataType.Float, 2, 16, 6, 6));
        var wt = b.AddInput("w", TensorType.Of(DataType.Float, 16, 8, 3, 3));
        b.AddOutput(b.Op("Conv", [x, wt], [Attr.Int("group", 2), Attr.Ints("pads", 1, 1, 1, 1)], output: "y"));
        var grouped = NchwcLowering.Lower(OnnxModel.Create(b.Graph), Block);
        Assert.Equal(0, NchwcLowering.CountLowered(grouped));
        Assert.DoesNotContain(NchwcDomain.Name, grouped.OpsetImport.Select(o => o.Domain));
    }

    [NchwcFact]
    public void Lowering_leaves_the_input_model_unchanged_and_rejects_a_bad_block_size()
    {
        var model = OneConv(2, 16, 16, 6, 6, 3, 1, 1, 1, false);
        var before = Neq.Onnx.Io.OnnxFile.Serialize(model);
        NchwcLowering.Lower(model, Block);
        Assert.Equal(before, Neq.Onnx.Io.OnnxFile.Serialize(model));
        Assert.Throws<ArgumentOutOfRangeException>(() => NchwcLowering.Lower(model, 12));
    }

    /// <summary>
    /// x [N,3,12,12] → conv 3→20 → bn → relu → conv 20→12 stride 2 → bn → relu → conv 12→24 → bn →
    /// relu → GlobalAveragePool → fc: channel counts below, between and above the block, on a batch of 5.
    /// </summary>
    static ModelProto OddNet()
    {
        var rng = new Random(13);
        var b = new GraphBuilder("odd_net");
        var y = b.AddInput("input", new TensorType(DataType.Float, [Dim.Sym("N"), 3, 12, 12]));
        long channels = 3;
        foreach (var (i, m, stride) in new[] { (1, 20L, 1L), (2, 12L, 2L), (3, 24L, 1L) })
        {
            y = b.Op("Conv", [y, SmallNets.Param(b, rng, $"conv{i}.weight", [m, channels, 3, 3], 0.4)],
                [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("strides", stride, stride)], name: $"conv{i}");
            y = b.Op("BatchNormalization",
                [y, SmallNets.Param(b, rng, $"bn{i}.weight", [m], 0.2, 1), SmallNets.Param(b, rng, $"bn{i}.bias", [m], 0.1),
                 SmallNets.Param(b, rng, $"bn{i}.running_mean", [m], 0.1), SmallNets.Param(b, rng, $"bn{i}.running_var", [m], 0.2, 1)],
                [Attr.Float("epsilon", 1e-5f), Attr.Float("momentum", 0.9f)], name: $"bn{i}");
            y = b.Op("Relu", [y], name: $"relu{i}");
            channels = m;
        }
        y = b.Op("GlobalAveragePool", [y], name: "pool");
        y = b.Op("Flatten", [y], [Attr.Int("axis", 1)], name: "flatten");
        y = b.Op("Gemm", [y, SmallNets.Param(b, rng, "fc.weight", [4, channels], 0.5), SmallNets.Param(b, rng, "fc.bias", [4], 0.1)], [Attr.Int("transB", 1)],
            output: "logits", name: "fc");
        b.AddOutput(y, new TensorType(DataType.Float, [Dim.Sym("N"), 4]));
        return OnnxModel.Create(b.Graph);
    }

    public static TheoryData<string, string> Nets => new()
    {
        { "resnet20", "lowered" }, { "odd", "lowered" }, { "resnet20", "nchwc-train" }, { "odd", "nchwc-train" }, { "odd", "nchwc-train-specialised" },
        { "resnet20", "dw-as-conv" }, { "odd", "dw-as-conv-specialised" },
    };

    /// <summary>
    /// Four SGD-with-momentum steps of train.onnx, standard and lowered, each feeding its own
    /// updated parameters, statistics and momenta back: the losses and every carried tensor agree
    /// to float32 summation-order differences. ResNet-20 at batch 3; the odd-channel net at batch 5.
    /// "lowered": the standard train.onnx with its convs lowered; "nchwc-train": the graph the trainer
    /// runs on such a CPU (<see cref="ArtifactCompilation.NchwcTrain"/>); "dw-as-conv": that graph with the
    /// weight gradients as convs with the batch as channels, padded at run time; "-specialised": both
    /// sides specialised to the same masks.
    /// </summary>
    [NchwcTheory]
    [MemberData(nameof(Nets))]
    public void Lowered_train_step_follows_the_standard_one_over_several_steps(string net, string form)
    {
        var (model, input, shape) = net == "resnet20"
            ? (CifarResNet.Build(new CifarResNetOptions(Depth: 20, Seed: 3)), CifarResNet.InputName, new long[] { 3, 3, 32, 32 })
            : (OddNet(), "input", new long[] { 5, 3, 12, 12 });
        int forwardConvs = model.Graph.Node.Count(n => n.OpType == "Conv");
        var compiled = TrainingArtifacts.Compile(model, new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4)));
        var set = compiled.Artifacts;
        var m = set.Manifest;
        // Specialised: every other channel of each layer frozen, except the first layer's first channel kept.
        float[][]? masks = form.EndsWith("specialised", StringComparison.Ordinal)
            ? m.Masks.Select(k => Enumerable.Range(0, k.Channels).Select(i => i % 2 == 0 ? 1f : 0f).ToArray()).ToArray() : null;
        var reference = masks is null ? set.Train : compiled.SpecializedTrain(masks);
        bool dwConv = form.StartsWith("dw-as-conv", StringComparison.Ordinal);
        var lowered = form == "lowered" ? NchwcLowering.Lower(set.Train, Block) : compiled.NchwcTrain(Block, masks, dwConv);
        int expected = dwConv ? 2 * forwardConvs : forwardConvs; // "dw-as-conv": every weight gradient is a conv too
        Assert.True(NchwcLowering.CountLowered(lowered) >= expected, $"{NchwcLowering.CountLowered(lowered)} convs lowered; expected at least {expected}.");

        var rng = new Random(7);
        var inits = SmallNets.Initializers(set.Infer);
        var feeds = new Dictionary<string, Feed>(StringComparer.Ordinal)
        {
            [TrainingNames.LearningRate] = Feed.Of([0.05f]),
        };
        foreach (var p in m.Parameters) feeds[p.Name] = Feed.Of(inits[p.Name], [.. p.Shape]);
        foreach (var r in m.RunningStatistics) feeds[r.Name] = Feed.Of(inits[r.Name], [.. r.Shape]);
        foreach (var s in m.OptimizerState) feeds[s.Name] = Feed.Of(new float[s.Shape.Aggregate(1L, (a, b) => a * b)], [.. s.Shape]);
        SmallNets.AddOpenMasks(feeds, m);
        if (masks is not null)
            foreach (var (k, v) in m.Masks.Zip(masks)) feeds[k.Name] = Feed.Of(v, k.Channels);
        var carried = m.Parameters.Select(p => (p.Name, p.Output)).Concat(m.RunningStatistics.Select(r => (r.Name, r.Output)))
            .Concat(m.OptimizerState.Select(s => (s.Name, s.Output))).ToArray();

        using var standard = new OrtRunner(reference);
        using var nchwc = new OrtRunner(lowered);
        var a = new Dictionary<string, Feed>(feeds, StringComparer.Ordinal);
        var b = new Dictionary<string, Feed>(feeds, StringComparer.Ordinal);
        long n = shape[0];
        for (int step = 0; step < 4; step++)
        {
            var images = Feed.Of(SmallNets.Uniform(rng, shape.Aggregate(1L, (x, y) => x * y), 1.5), shape);
            var labels = Feed.Of(Enumerable.Range(0, (int)n).Select(_ => (long)rng.Next(m.Prediction == "logits" ? 4 : 10)).ToArray(), n);
            a[input] = b[input] = images;
            a[TrainingNames.Labels] = b[TrainingNames.Labels] = labels;
            var ra = standard.Run(a);
            var rb = nchwc.Run(b);
            float la = ra[TrainingNames.Loss].Floats[0], lb = rb[TrainingNames.Loss].Floats[0];
            Assert.True(Math.Abs(la - lb) <= 1e-4 * (1 + Math.Abs(la)), $"step {step + 1}: loss standard {la:G9}, NCHWc {lb:G9}.");
            foreach (var (name, output) in carried)
            {
                a[name] = a[name] with { Data = ra[output].Floats };
                b[name] = b[name] with { Data = rb[output].Floats };
            }
        }
        foreach (var (name, _) in carried)
        {
            float[] x = a[name].Floats, y = b[name].Floats;
            double scale = x.Max(v => Math.Abs(v)) + 1e-6;
            double worst = x.Zip(y, (p, q) => Math.Abs(p - q)).Max();
            Assert.True(worst <= 2e-4 * scale + 1e-6, $"{name}: max |standard − NCHWc| {worst:G3} against values up to {scale:G3}.");
        }
    }
}
