using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Neq.Onnx.Architectures;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Training;

namespace Neq.Bench;

/// <summary>
/// neq-bench: times ResNet-32 training steps (batch 128, CIFAR shapes) — ours (train.onnx / eval.onnx
/// in ONNX Runtime) dense and with frozen neurons, and the peer (libtorch via TorchSharp) — each
/// configuration in a fresh child process so its peak RSS is its own, rounds interleaved so noise
/// on a shared machine spreads over all of them. See bench/README.md.
/// </summary>
static class Program
{
    const string Usage = """
        usage: neq-bench [--threads N] [--batch N] [--warmup N] [--iters N] [--rounds N]
                         [--frozen 0.25,0.5,0.75,0.95] [--masks-from run/checkpoint.onnx] [--seed N] [--out results.json]
                         [--allocator glibc-tuned|jemalloc|default]   (malloc of every child process; default glibc-tuned)
               neq-bench --save-artifacts DIR [--frozen …] [--masks-from …]   (also train.onnx specialised to each --frozen's masks)
               neq-bench --profile [--artifacts DIR] [--tweaks a,b] [--top N] [--threads N] [--warmup N] [--iters N]
               neq-bench --ab DIR_A DIR_B [--tweaks-a a,b] [--tweaks-b a,b] [--threads N] [--warmup N] [--iters N]
           neq-bench --epochs …   (whole NEq epochs, neq train against libtorch; neq-bench --epochs --help)
           tweaks (session options): extended, basic, parallel, noarena, pattern, nopattern, spin, nospin, envalloc, affinity, nodenormal;
                  (graph choices): portable (standard ONNX as written), dwconv (NCHWc graph with weight gradients as Convs)
        """;

    static int Main(string[] args)
    {
        if (EpochBench.Handles(args)) return EpochBench.Run(args);
        try
        {
            var (o, child) = Parse(args);
            if (child is not null) return RunChild(o, child);
            if (_tools.SaveArtifacts is { } save)
            {
                BuildArtifacts().Save(save);
                OnnxStepBench.SaveSpecialized(o, save);
                Console.WriteLine($"artifacts: {save}");
                return 0;
            }
            if (_tools.Profile)
            {
                var dir = _tools.Artifacts ?? Directory.CreateTempSubdirectory("neq-profile-").FullName;
                if (_tools.Artifacts is null) BuildArtifacts().Save(dir);
                StepProfile.Run(o, dir, _tools.TweaksA, _tools.Top);
                if (_tools.Artifacts is null) Directory.Delete(dir, recursive: true);
                return 0;
            }
            if (_tools.Ab is { } ab)
            {
                StepAb.Run(o, new StepAb.Side(ab.A, _tools.TweaksA), new StepAb.Side(ab.B, _tools.TweaksB));
                return 0;
            }
            return Orchestrate(o);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}\n{Usage}");
            return 2;
        }
    }

    /// <summary>Child: --child CONFIG --artifacts DIR --result FILE [--frozen F] [--masks-from FILE].</summary>
    sealed record ChildArgs(string Config, string Artifacts, string Result);

    static int RunChild(BenchOptions o, ChildArgs c)
    {
        double load = ProcessMemory.LoadAverage();
        if (c.Config == GemmPeak.Config)
        {
            File.WriteAllText(c.Result, JsonSerializer.Serialize(GemmPeak.Run(o), Report.Json));
            return 0;
        }
        var result = c.Config is TorchStepBench.Config or TorchStepBench.DefaultAllocConfig
            ? TorchStepBench.Run(o, c.Artifacts, c.Config)
            : OnnxStepBench.Run(o, c.Artifacts, c.Config, o.FrozenFractions[0], o.MasksFrom);
        File.WriteAllText(c.Result, JsonSerializer.Serialize(result with { LoadAverage = load }, Report.Json));
        return 0;
    }

    static int Orchestrate(BenchOptions o)
    {
        var patched = GlibcxxCompat.PatchNextToApp();
        if (patched is not null) Console.WriteLine(patched);

        var work = Directory.CreateTempSubdirectory("neq-bench-");
        try
        {
            var sw = Stopwatch.StartNew();
            var artifacts = BuildArtifacts();
            artifacts.Save(work.FullName);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"artifacts for ResNet-32 (SGD momentum {BenchOptions.Momentum}, weight decay {BenchOptions.WeightDecay}) built in {sw.Elapsed.TotalSeconds:F1} s"));
            Console.WriteLine($"allocator of every child process but {TorchStepBench.DefaultAllocConfig}: {Allocator.Describe(o.Allocator)}");
            var ceiling = new Ceiling(RunChildProcess<GemmPeak.Result>(o, work.FullName, GemmPeak.Config, 0), TrainingFlops.Of(artifacts.Infer));
            Console.WriteLine(ceiling.Describe());

            // Masked (the general graph fed the masks) and specialised (train.onnx built for them) side by side.
            var configs = new List<(string Name, double Frozen)> { (TorchStepBench.Config, 0), (TorchStepBench.DefaultAllocConfig, 0), ("ours-dense", 0) };
            if (CpuKernels.NchwcBlockSize > 1) configs.Add((OnnxStepBench.Portable, 0)); // the standard-ONNX graph beside the lowered one
            foreach (var f in o.FrozenFractions)
            {
                configs.Add((string.Create(CultureInfo.InvariantCulture, $"{OnnxStepBench.Masked}{f * 100:0.##}"), f));
                configs.Add((string.Create(CultureInfo.InvariantCulture, $"{OnnxStepBench.Specialized}{f * 100:0.##}"), f));
            }
            if (o.MasksFrom is not null) configs.AddRange([(OnnxStepBench.RunMasked, 0), (OnnxStepBench.RunSpecialized, 0)]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"batch {o.Batch}, {o.Threads} thread(s), {o.Warmup} warm-up + {o.Iterations} timed per process, {o.Rounds} round(s) of {configs.Count} processes"));

            var results = configs.ToDictionary(c => c.Name, _ => new List<ChildResult>());
            for (int round = 1; round <= o.Rounds; round++)
            {
                foreach (var (name, frozen) in configs)
                {
                    var r = RunChildProcess<ChildResult>(o, work.FullName, name, frozen);
                    results[name].Add(r);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  round {round} {name,-22} frozen {r.FrozenFraction,4:P0} step {Report.Median(r.StepMs),8:F1} ms  forward {Report.Median(r.ForwardMs),7:F1} ms  peak {r.PeakRssStepKiB / 1024.0,6:F0} MiB  first loss {r.FirstLoss:F5}  load {r.LoadAverage:F2}{(r.BuildMs is double b ? $"  build {b:F0} ms (graph {r.GraphMs:F0})" : "")}"));
                }
            }

            var report = Report.Build(o, results, ceiling);
            Console.WriteLine();
            Console.WriteLine(report.Markdown);
            var output = o.Output ?? Path.Combine("bench", "results", DateTime.UtcNow.ToString("yyyy-MM-dd-HHmm", CultureInfo.InvariantCulture) + ".json");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            File.WriteAllText(output, report.JsonText);
            Console.WriteLine($"results: {output}");
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>ResNet-32's artifacts with the bench's optimizer (SGD, momentum, weight decay).</summary>
    static TrainingArtifactSet BuildArtifacts() => TrainingArtifacts.Build(
        CifarResNet.Build(new CifarResNetOptions(Depth: 32, Classes: BenchOptions.Classes)), ArtifactOptions);

    /// <summary>The artifacts' options (SGD, momentum, weight decay); the child rebuilds specialised graphs with them.</summary>
    public static readonly ArtifactOptions ArtifactOptions =
        new(new OptimizerOptions(OptimizerKind.Sgd, Momentum: BenchOptions.Momentum, WeightDecay: BenchOptions.WeightDecay));

    /// <summary>The developer modes (--save-artifacts, --profile, --ab) and their options.</summary>
    sealed record ToolArgs
    {
        public string? SaveArtifacts { get; init; }
        public bool Profile { get; init; }
        public string? Artifacts { get; init; }
        public (string A, string B)? Ab { get; init; }
        public IReadOnlyList<string> TweaksA { get; init; } = [];
        public IReadOnlyList<string> TweaksB { get; init; } = [];
        public int Top { get; init; } = 30;
    }

    static ToolArgs _tools = new();

    static T RunChildProcess<T>(BenchOptions o, string artifacts, string config, double frozen)
    {
        var resultFile = Path.Combine(artifacts, config + ".result.json");
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find the bench's own executable.");
        var psi = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        // Started as "dotnet neq-bench.dll": the child needs the dll too.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var a in new[]
        {
            "--child", config, "--artifacts", artifacts, "--result", resultFile,
            "--threads", I(o.Threads), "--batch", I(o.Batch), "--warmup", I(o.Warmup), "--iters", I(o.Iterations),
            "--seed", I(o.Seed), "--frozen", frozen.ToString("R", CultureInfo.InvariantCulture),
        }) psi.ArgumentList.Add(a);
        if (o.MasksFrom is not null) { psi.ArgumentList.Add("--masks-from"); psi.ArgumentList.Add(Path.GetFullPath(o.MasksFrom)); }
        Allocator.Apply(config == TorchStepBench.DefaultAllocConfig ? Allocator.Default : o.Allocator, psi.Environment);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0 || !File.Exists(resultFile))
            throw new InvalidOperationException($"{config}: the child process failed (exit {p.ExitCode}).\n{stdout.Result}\n{stderr.Result}");
        var r = JsonSerializer.Deserialize<T>(File.ReadAllText(resultFile), Report.Json)!;
        File.Delete(resultFile);
        return r;
    }

    static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    static (BenchOptions, ChildArgs?) Parse(string[] args)
    {
        var o = new BenchOptions();
        string? child = null, artifacts = null, result = null;
        var a = new ArgReader(args);
        while (a.MoveNext())
        {
            switch (a.Current)
            {
                case "--threads": o = o with { Threads = a.Int(1) }; break;
                case "--batch": o = o with { Batch = a.Int(1) }; break;
                case "--warmup": o = o with { Warmup = a.Int(1) }; break;
                case "--iters": o = o with { Iterations = a.Int(1) }; break;
                case "--rounds": o = o with { Rounds = a.Int(1) }; break;
                case "--seed": o = o with { Seed = a.Int(0) }; break;
                case "--out": o = o with { Output = a.Next() }; break;
                case "--allocator":
                    var allocator = a.Next();
                    Allocator.Apply(allocator, new Dictionary<string, string?>()); // an unknown name, or jemalloc not installed: one error now
                    o = o with { Allocator = allocator };
                    break;
                case "--masks-from":
                    var file = a.Next();
                    o = o with { MasksFrom = File.Exists(file) ? file : throw new ArgumentException($"--masks-from: no file '{file}'.") };
                    break;
                case "--frozen":
                    var list = a.Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(s => double.TryParse(s, CultureInfo.InvariantCulture, out var f) && f is >= 0 and < 1 ? f
                            : throw new ArgumentException($"--frozen takes fractions in [0, 1), not '{s}'.")).ToArray();
                    o = o with { Frozen = list };
                    break;
                case "--child": child = a.Next(); break;
                case "--save-artifacts": _tools = _tools with { SaveArtifacts = a.Next() }; break;
                case "--profile": _tools = _tools with { Profile = true }; break;
                case "--ab": _tools = _tools with { Ab = (a.Next(), a.Next()) }; break;
                case "--tweaks" or "--tweaks-a": _tools = _tools with { TweaksA = a.Next().Split(',') }; break;
                case "--tweaks-b": _tools = _tools with { TweaksB = a.Next().Split(',') }; break;
                case "--top": _tools = _tools with { Top = a.Int(1) }; break;
                case "--artifacts": artifacts = a.Next(); _tools = _tools with { Artifacts = artifacts }; break;
                case "--result": result = a.Next(); break;
                case "-h" or "--help": Console.WriteLine(Usage); Environment.Exit(0); break;
                default: throw new ArgumentException($"unknown option '{a.Current}'.");
            }
        }
        return (o, child is null ? null : new ChildArgs(child, artifacts ?? throw new ArgumentException("--child needs --artifacts."),
            result ?? throw new ArgumentException("--child needs --result.")));
    }
}
