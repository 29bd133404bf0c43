using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Architectures;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Tests.Architectures;

public class CifarResNetOrtTests
{
    static float[] RandomValues(int count, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return data;
    }

    static float[] Run(byte[] model, float[] input, long[] inputShape, string output, out long[] outputShape)
    {
        using var session = new InferenceSession(model);
        using var x = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [CifarResNet.InputName], [x], [output]);
        outputShape = results[0].GetTensorTypeAndShape().Shape;
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    [Fact]
    public void Checked_in_ResNet32_runs_a_batch_in_ONNX_runtime()
    {
        var bytes = File.ReadAllBytes(RepoPaths.ResNet32Model);
        var logits = Run(bytes, RandomValues(2 * 3 * 32 * 32, 1), [2, 3, 32, 32], CifarResNet.OutputName, out var shape);
        Assert.Equal([2L, 10], shape);
        Assert.All(logits, v => Assert.True(float.IsFinite(v)));
        // Two different images should not give identical logits (the graph is not degenerate).
        Assert.NotEqual(logits[..10], logits[10..]);
    }

    [Fact]
    public void Stem_conv_bn_relu_matches_a_direct_computation()
    {
        // Shapes: N=2 images, C=3 input channels, K=16 output channels, 32×32, 3×3 kernel, pad 1.
        const int n = 2, c = 3, k = 16, h = 32, w = 32;
        var model = CifarResNet.Build(new CifarResNetOptions(20, 10, 5));
        var g = model.Graph;
        var inits = g.Initializer.ToDictionary(t => t.Name);

        // Non-trivial BN parameters and statistics, so that every term of BN is exercised.
        var gamma = RandomValues(k, 2, 2f);
        var beta = RandomValues(k, 3);
        var mean = RandomValues(k, 4, 0.5f);
        var variance = RandomValues(k, 5).Select(v => v + 1.5f).ToArray();
        foreach (var (name, data) in new[] { ("bn1.weight", gamma), ("bn1.bias", beta), ("bn1.running_mean", mean), ("bn1.running_var", variance) })
            inits[name].RawData = Tensors.Float(name, [k], data).RawData;
        var relu = g.Node.Single(x => x.Name == "relu");
        g.Output.Add(new ValueInfoProto { Name = relu.Output[0] });

        var input = RandomValues(n * c * h * w, 6);
        var actual = Run(OnnxFile.Serialize(model), input, [n, c, h, w], relu.Output[0], out var shape);
        Assert.Equal([(long)n, k, h, w], shape);

        var weight = inits["conv1.weight"].ToFloatArray(); // [K,C,3,3]
        int mismatches = 0;
        for (int b = 0; b < n; b++)
            for (int o = 0; o < k; o++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        double sum = 0;
                        for (int ci = 0; ci < c; ci++)
                            for (int dy = 0; dy < 3; dy++)
                                for (int dx = 0; dx < 3; dx++)
                                {
                                    int iy = y + dy - 1, ix = x + dx - 1;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue; // zero padding
                                    sum += (double)input[((b * c + ci) * h + iy) * w + ix] * weight[((o * c + ci) * 3 + dy) * 3 + dx];
                                }
                        double bn = gamma[o] * (sum - mean[o]) / Math.Sqrt(variance[o] + 1e-5) + beta[o];
                        double expected = Math.Max(0, bn);
                        float got = actual[((b * k + o) * h + y) * w + x];
                        if (Math.Abs(got - expected) > 1e-4) mismatches++;
                    }
        Assert.Equal(0, mismatches);
        // The ReLU must have had something to do: some outputs clipped, some passed.
        Assert.InRange(actual.Count(v => v == 0f), actual.Length / 10, actual.Length * 9 / 10);
    }

    [Fact]
    public void Option_A_shortcut_subsamples_and_adds_zero_channels_on_both_sides()
    {
        // Stage 2's first block: x [N,16,32,32] → x[:, :, ::2, ::2] with 8 zero channels before
        // and after → [N,32,16,16].
        const int n = 2, c = 16, h = 32, w = 32, pad = 8;
        var model = CifarResNet.Build(new CifarResNetOptions(20));
        var g = model.Graph;
        var slice = g.Node.Single(x => x.Name == "layer2.0.shortcut.slice");
        var shortcut = g.Node.Single(x => x.Name == "layer2.0.shortcut.pad").Output[0];
        g.Output.Add(new ValueInfoProto { Name = slice.Input[0] });
        g.Output.Add(new ValueInfoProto { Name = shortcut });

        using var session = new InferenceSession(OnnxFile.Serialize(model));
        using var input = OrtValue.CreateTensorValueFromMemory(RandomValues(n * 3 * h * w, 8), [n, 3, h, w]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [CifarResNet.InputName], [input], [slice.Input[0], shortcut]);
        var x = results[0].GetTensorDataAsSpan<float>().ToArray();   // [N,16,32,32]
        var y = results[1].GetTensorDataAsSpan<float>().ToArray();   // [N,32,16,16]
        Assert.Equal([(long)n, c + 2 * pad, h / 2, w / 2], results[1].GetTensorTypeAndShape().Shape);
        Assert.Contains(x, v => v > 0);
        for (int b = 0; b < n; b++)
            for (int o = 0; o < c + 2 * pad; o++)
                for (int i = 0; i < h / 2; i++)
                    for (int j = 0; j < w / 2; j++)
                    {
                        int ci = o - pad;
                        float expected = ci < 0 || ci >= c ? 0f : x[((b * c + ci) * h + 2 * i) * w + 2 * j];
                        Assert.Equal(expected, y[((b * (c + 2 * pad) + o) * (h / 2) + i) * (w / 2) + j]);
                    }
    }
}
