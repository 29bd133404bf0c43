using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Neq.Bench;

/// <summary>Medians over processes, ratios to the peer, shares of the machine's ceiling, the Markdown table and the JSON file.</summary>
sealed record Report(string Markdown, string JsonText)
{
    /// <summary>JSON settings of the result files (camelCase, indented).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A missing load average or a diverged loss is NaN; write it rather than fail the run.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Median (mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>One configuration's figures: medians over rounds of each process's median.</summary>
    sealed record Figures(
        string Config, double FrozenFraction, double ForwardMs, double BackwardUpdateMs, double StepMs,
        double[] StepMsPerRound, double ImagesPerSecond, double PeakRssMiB, double PeakRssAllMiB, double FirstLoss,
        Ratios? RatioToPeer, double? InStepForwardMs, double? InStepBackwardUpdateMs, Best Best, double? BuildMs,
        double GflopsPerSecond, double PeakShare);

    /// <summary>
    /// The least disturbed process (lowest step median) of a configuration: on a shared machine the
    /// other processes' load only ever adds time, so this is the steadier comparison.
    /// </summary>
    sealed record Best(double ForwardMs, double StepMs, double ImagesPerSecond, double? StepRatioToPeer, double LoadAverage,
        double GflopsPerSecond, double PeakShare);

    /// <summary>Ours ÷ peer: above 1 means more time (or memory) than libtorch, or more images/s.</summary>
    sealed record Ratios(double Forward, double BackwardUpdate, double Step, double ImagesPerSecond, double PeakRss);

    /// <summary>Aggregates every round's child results (the peer's key is <see cref="TorchStepBench.Config"/>).</summary>
    public static Report Build(BenchOptions o, IReadOnlyDictionary<string, List<ChildResult>> results, Ceiling ceiling)
    {
        Figures Of(string name, List<ChildResult> rs)
        {
            double fwd = Median(rs.Select(r => Median(r.ForwardMs)));
            var perRound = rs.Select(r => Median(r.StepMs)).ToArray();
            double step = Median(perRound);
            var least = rs.MinBy(r => Median(r.StepMs))!;
            double bestImages = o.Batch * 1000.0 / perRound.Min(), images = o.Batch * 1000.0 / step;
            var best = new Best(rs.Min(r => Median(r.ForwardMs)), perRound.Min(), bestImages, null, least.LoadAverage,
                ceiling.Achieved(bestImages), ceiling.Achieved(bestImages) / ceiling.PeakGflopsPerSecond);
            return new Figures(name, rs[0].FrozenFraction, fwd, step - fwd, step, perRound, images,
                Median(rs.Select(r => r.PeakRssStepKiB / 1024.0)), Median(rs.Select(r => r.PeakRssAllKiB / 1024.0)), rs[0].FirstLoss, null,
                rs[0].InStepForwardMs is null ? null : Median(rs.Select(r => Median(r.InStepForwardMs!))),
                rs[0].InStepBackwardUpdateMs is null ? null : Median(rs.Select(r => Median(r.InStepBackwardUpdateMs!))), best,
                rs[0].BuildMs is null ? null : Median(rs.Select(r => r.BuildMs!.Value)),
                ceiling.Achieved(images), ceiling.Achieved(images) / ceiling.PeakGflopsPerSecond);
        }
        var peer = Of(TorchStepBench.Config, results[TorchStepBench.Config]);
        var rows = results.Select(kv => kv.Key == TorchStepBench.Config ? peer : Of(kv.Key, kv.Value)).Select(f => f.Config == TorchStepBench.Config ? f : f with
        {
            RatioToPeer = new Ratios(f.ForwardMs / peer.ForwardMs, f.BackwardUpdateMs / peer.BackwardUpdateMs, f.StepMs / peer.StepMs,
                f.ImagesPerSecond / peer.ImagesPerSecond, f.PeakRssMiB / peer.PeakRssMiB),
            Best = f.Best with { StepRatioToPeer = f.Best.StepMs / peer.Best.StepMs },
        }).ToList();

        var md = new StringBuilder();
        md.AppendLine($"peer: libtorch with {Allocator.Describe(o.Allocator)} (as every process but {TorchStepBench.DefaultAllocConfig}, which has glibc malloc's defaults).");
        md.AppendLine(ceiling.Describe());
        md.AppendLine();
        md.AppendLine("| config | frozen | forward ms | backward+update ms | step ms (rounds) | images/s | GFLOP/s | % of peak | peak RSS MiB | fwd × peer | bwd+upd × peer | step × peer | images/s × peer | RSS × peer |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var f in rows)
        {
            var r = f.RatioToPeer;
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {f.Config} | {f.FrozenFraction:P0} | {f.ForwardMs:F0} | {f.BackwardUpdateMs:F0} | {f.StepMs:F0} ({f.StepMsPerRound.Min():F0}–{f.StepMsPerRound.Max():F0}) | {f.ImagesPerSecond:F0} | {f.GflopsPerSecond:F1} | {f.PeakShare:P1} | {f.PeakRssMiB:F0} | {R(r?.Forward)} | {R(r?.BackwardUpdate)} | {R(r?.Step)} | {R(r?.ImagesPerSecond)} | {R(r?.PeakRss)} |"));
        }
        md.AppendLine();
        md.AppendLine("Least disturbed process per configuration (lowest step median; load average when it started):");
        md.AppendLine();
        md.AppendLine("| config | forward ms (best) | step ms (best) | images/s | GFLOP/s | % of peak | step × peer | load |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var f in rows)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {f.Config} | {f.Best.ForwardMs:F0} | {f.Best.StepMs:F0} | {f.Best.ImagesPerSecond:F0} | {f.Best.GflopsPerSecond:F1} | {f.Best.PeakShare:P1} | {R(f.Best.StepRatioToPeer)} | {f.Best.LoadAverage:F2} |"));
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Medians over {o.Rounds} process(es) per row of each process's median of {o.Iterations} timed iterations after {o.Warmup} warm-ups; batch {o.Batch}, {o.Threads} thread(s)."));
        md.AppendLine("forward: inference-mode forward of the batch (ours: eval.onnx; libtorch: model.eval() under no_grad). step: one whole training step");
        md.AppendLine("(ours: train.onnx; libtorch: forward + cross-entropy + zero_grad + backward + SGD step). backward+update = step − forward, for both.");
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"libtorch's own split inside its step: training-mode forward + loss {peer.InStepForwardMs:F0} ms, backward + update {peer.InStepBackwardUpdateMs:F0} ms."));
        md.AppendLine("GFLOP/s = images/s × the dense step's FLOPs per image (frozen and specialised rows too: dense-equivalent); % of peak = GFLOP/s ÷ the GEMM peak.");
        md.AppendLine("peak RSS: VmHWM of the configuration's own process after set-up and the training steps (before the forward-only phase).");
        if (rows.Any(f => f.BuildMs is not null))
            md.AppendLine("specialised train.onnx build (graph + session, once per epoch in training): " + string.Join(", ",
                rows.Where(f => f.BuildMs is not null).Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Config} {f.BuildMs:F0} ms"))));
        md.Append("first-step loss (same initial values, same batch): " + string.Join(", ",
            rows.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Config} {f.FirstLoss:F5}"))));

        var json = JsonSerializer.Serialize(new
        {
            date = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            machine = new { processors = Environment.ProcessorCount, cpu = CpuModel(), os = System.Runtime.InteropServices.RuntimeInformation.OSDescription },
            versions = new { onnxRuntime = "1.31.1 (Microsoft.ML.OnnxRuntime, CPU)", torchSharp = "0.107.0 (TorchSharp-cpu, libtorch 2.10.0)", dotnet = Environment.Version.ToString() },
            options = new { o.Threads, o.Batch, o.Warmup, o.Iterations, o.Rounds, frozen = o.FrozenFractions, o.Seed, o.Allocator },
            allocator = Allocator.Describe(o.Allocator),
            ceiling = new
            {
                gemm = ceiling.Gemm,
                peakN = ceiling.Gemm.Peak.N,
                peakGflopsPerSecond = ceiling.PeakGflopsPerSecond,
                trainingFlopsPerImage = new { ceiling.Flops.Forward, ceiling.Flops.Backward, ceiling.Flops.FirstConvForward, ceiling.Flops.Total },
                imagesPerSecond = ceiling.ImagesPerSecond,
            },
            definitions = new
            {
                forwardMs = "inference-mode forward: ours eval.onnx, libtorch model.eval() + no_grad",
                stepMs = "one whole training step: ours train.onnx, libtorch forward + cross_entropy + zero_grad + backward + SGD step",
                backwardUpdateMs = "stepMs - forwardMs (derived, for both)",
                peakRssMiB = "VmHWM of the configuration's own child process after set-up and training steps",
                peakRssAllMiB = "VmHWM at the end of that process (forward-only phase included)",
                ratioToPeer = "this row / libtorch (the peer with the bench's allocator)",
                allocator = "the malloc of every child process except libtorch-default-alloc (glibc malloc defaults: no GLIBC_TUNABLES, no LD_PRELOAD)",
                gemmPeak = "ONNX Runtime MatMul of two float32 n x n graph inputs (MLAS SGEMM), --threads intra-op threads, 2 warm-ups; GFLOP/s = 2 n^3 / median time; the peak is the fastest n",
                trainingFlopsPerImage = "convs and the Gemm only: forward = 2 x MACs; backward = 2 x forward - the first conv's forward (dX and dW of every layer, no dX for the image)",
                gflopsPerSecond = "imagesPerSecond x trainingFlopsPerImage.total / 1e9 (dense-step FLOPs for every row)",
                peakShare = "gflopsPerSecond / ceiling.peakGflopsPerSecond",
                medians = "median over rounds (one fresh process each) of the per-process median",
                best = "the process with the lowest step median (least disturbed by other load); forwardMs is the lowest forward median",
                buildMs = "specialised configurations: building train.onnx for the masks plus its ONNX Runtime session",
                configs = "libtorch-default-alloc: the peer with glibc malloc's defaults; ours-frozenP: the general train.onnx fed random masks freezing P % of every layer; ours-specialP: train.onnx specialised to the same masks; ours-run-*: the masks of --masks-from",
            },
            configs = rows,
        }, Json) + "\n";
        return new Report(md.ToString(), json);
    }

    static string R(double? v) => v is double d ? d.ToString("F2", CultureInfo.InvariantCulture) : "1";

    static string CpuModel()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path)) return "unknown";
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? "unknown" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
