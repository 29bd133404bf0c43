using System.Diagnostics;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Artifacts;
using TorchSharp;
using static TorchSharp.torch;

namespace Neq.Bench;

/// <summary>
/// The peer, in a child process: the same ResNet-32 with the same initial values in libtorch (via
/// TorchSharp), softmax cross-entropy and torch.optim.SGD (momentum 0.9, weight decay 5e-4), then
/// inference-mode forwards (model.eval(), no_grad) on the same batch.
/// </summary>
static class TorchStepBench
{
    /// <summary>The peer's configuration, run with the bench's allocator; ratios are to it.</summary>
    public const string Config = "libtorch";

    /// <summary>The peer again with glibc malloc's defaults, printed beside the tuned row (<see cref="Allocator"/>).</summary>
    public const string DefaultAllocConfig = "libtorch-default-alloc";

    /// <summary>Measures the peer; the initial values come from the artifacts' infer.onnx.</summary>
    public static ChildResult Run(BenchOptions o, string artifactDir, string config)
    {
        torch.set_num_threads(o.Threads);
        var batch = new SyntheticBatch(o.Batch, o.Seed);
        using var model = new TorchResNet(blocks: 5, classes: BenchOptions.Classes);
        LoadValues(model, Path.Combine(artifactDir, TrainingArtifactSet.InferFile));
        using var x = torch.tensor(batch.Images, batch.ImageShape);
        using var y = torch.tensor(batch.Labels, [o.Batch]);
        using var opt = torch.optim.SGD(model.parameters(), BenchOptions.LearningRate,
            momentum: BenchOptions.Momentum, weight_decay: BenchOptions.WeightDecay);

        var stepMs = new List<double>();
        var fwdMs = new List<double>();
        var bwdMs = new List<double>();
        double firstLoss = double.NaN;
        model.train();
        for (int i = 0; i < o.Warmup + o.Iterations; i++)
        {
            using var scope = torch.NewDisposeScope();
            var sw = Stopwatch.StartNew();
            var loss = torch.nn.functional.cross_entropy(model.call(x), y);
            double fwd = sw.Elapsed.TotalMilliseconds;
            opt.zero_grad();
            loss.backward();
            opt.step();
            double total = sw.Elapsed.TotalMilliseconds;
            if (i == 0) firstLoss = loss.item<float>();
            if (i < o.Warmup) continue;
            stepMs.Add(total);
            fwdMs.Add(fwd);
            bwdMs.Add(total - fwd);
        }
        long peakStep = ProcessMemory.PeakRssKiB();

        var forwardMs = new List<double>();
        model.eval();
        using (torch.no_grad())
        {
            for (int i = 0; i < o.Warmup + o.Iterations; i++)
            {
                using var scope = torch.NewDisposeScope();
                var sw = Stopwatch.StartNew();
                _ = model.call(x);
                double ms = sw.Elapsed.TotalMilliseconds;
                if (i >= o.Warmup) forwardMs.Add(ms);
            }
        }
        long peakAll = ProcessMemory.PeakRssKiB();
        return new ChildResult(config, 0, [.. forwardMs], [.. stepMs], [.. fwdMs], [.. bwdMs], peakStep, peakAll, firstLoss);
    }

    /// <summary>Copies every parameter and BN running statistic from infer.onnx's initializers of the same name.</summary>
    internal static void LoadValues(TorchResNet model, string inferPath)
    {
        // Only float initializers are parameters or statistics; the shortcut's slice/pad constants are int64.
        var values = OnnxFile.Load(inferPath).Graph.Initializer
            .Where(t => (Neq.Onnx.Ir.TensorProto.Types.DataType)t.DataType == Neq.Onnx.Ir.TensorProto.Types.DataType.Float)
            .ToDictionary(t => t.Name, t => t.ToFloatArray(), StringComparer.Ordinal);
        using var noGrad = torch.no_grad();
        var targets = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
            .Concat(model.named_buffers().Where(b => b.name.EndsWith("running_mean", StringComparison.Ordinal) || b.name.EndsWith("running_var", StringComparison.Ordinal)));
        int copied = 0;
        foreach (var (name, t) in targets)
        {
            if (!values.TryGetValue(name, out var v))
                throw new InvalidOperationException($"infer.onnx has no initializer '{name}' for the libtorch model: the two networks differ.");
            using var src = torch.tensor(v, t.shape);
            t.copy_(src);
            copied++;
        }
        if (copied != values.Count)
            throw new InvalidOperationException($"Copied {copied} of infer.onnx's {values.Count} initializers: the two networks differ.");
    }
}
