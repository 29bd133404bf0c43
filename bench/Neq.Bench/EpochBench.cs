using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Neq.Onnx.Architectures;
using Neq.Onnx.Artifacts;

namespace Neq.Bench;

/// <summary>
/// <c>neq-bench --epochs</c>: whole NEq epochs (train + NEq pass + test) of ResNet-32 on CIFAR-10,
/// ours (the real <c>neq train</c>) against the libtorch peer (<see cref="TorchEpochLoop"/>) on the
/// same data from the same initial weights, each side in a fresh child process per round, rounds
/// interleaved. See bench/README.md, "Whole epochs".
/// </summary>
static class EpochBench
{
    /// <summary>The mode's usage lines.</summary>
    public const string Usage = """
               neq-bench --epochs [--epoch-count 3] [--train-size 10000] [--val-size 500] [--test-size 2000] [--batch 100]
                         [--eval-batch 100] [--rounds 2] [--threads 2] [--seed 1] [--data cifar-10-binary.tar.gz] [--neq-dll neq.dll] [--out FILE] [--check-neq]
        """;

    const string OptionsFile = "epoch-options.json";

    /// <summary>True when <paramref name="args"/> ask for this mode (or are its child).</summary>
    public static bool Handles(string[] args) => args.Contains("--epochs") || args.Contains("--epoch-child");

    /// <summary>Runs the mode (or its libtorch child); 2 on bad options.</summary>
    public static int Run(string[] args)
    {
        try
        {
            var (o, child, result) = Parse(args);
            if (child is not null)
            {
                // Idempotent: the parent has patched already; this lets the child run alone (debugging).
                GlibcxxCompat.PatchNextToApp();
                var options = JsonSerializer.Deserialize<EpochOptions>(File.ReadAllText(Path.Combine(child, OptionsFile)), Report.Json)!;
                var r = TorchEpochLoop.Run(options, child);
                File.WriteAllText(result ?? throw new ArgumentException("--epoch-child needs --result."), JsonSerializer.Serialize(r, Report.Json));
                return 0;
            }
            o.Validate();
            return Orchestrate(o);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}\nusage:\n{Usage}");
            return 2;
        }
    }

    static int Orchestrate(EpochOptions o)
    {
        var patched = GlibcxxCompat.PatchNextToApp();
        if (patched is not null) Console.WriteLine(patched);
        var neqDll = o.NeqDll ?? BuildNeqTrain();
        var work = Directory.CreateTempSubdirectory("neq-bench-epochs-");
        try
        {
            // One initial model for both sides: ours reads it with --init, the peer copies its initializers by name.
            var artifacts = TrainingArtifacts.Build(
                CifarResNet.Build(new CifarResNetOptions(Depth: 32, Classes: BenchOptions.Classes, Seed: (ulong)o.Seed)), Program.ArtifactOptions);
            artifacts.Save(work.FullName);
            File.WriteAllText(Path.Combine(work.FullName, OptionsFile), JsonSerializer.Serialize(o, Report.Json));
            var init = Path.Combine(work.FullName, TrainingArtifactSet.InferFile);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ResNet-32 on {o.Data}: {o.EpochCount} epoch(s), train {o.TrainSize}, NEq validation {o.ValSize} (--val-size {o.ValFractionText}), test {o.TestSize}, batch {o.Batch}, {o.Threads} thread(s), {o.Rounds} round(s)"));
            Console.WriteLine($"ours: {neqDll} {string.Join(' ', OursEpochRun.Arguments(o, init, "RUN"))}");

            var results = new Dictionary<string, List<EpochSideResult>> { ["libtorch"] = [], ["ours"] = [] };
            for (int round = 1; round <= o.Rounds; round++)
            {
                // Alternate which side goes first, so a drift in the machine's load does not favour one.
                var order = round % 2 == 1 ? new[] { "libtorch", "ours" } : ["ours", "libtorch"];
                foreach (var side in order)
                {
                    var r = side == "ours"
                        ? RunOurs(o, neqDll, init, Path.Combine(work.FullName, $"run-{round}"))
                        : RunPeer(work.FullName, Path.Combine(work.FullName, $"libtorch-{round}.json"));
                    results[side].Add(r);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  round {round} {side,-8} load {r.LoadAverage:F2}  wall {r.WallSeconds,6:F1} s  train s {Join(r.TrainSeconds)}  NEq s {Join(r.NeqSeconds)}  test s {Join(r.TestSeconds)}  loss₁ {r.TrainLoss[0]:F4}  test top-1 {r.TestTop1[^1]:F2} %  frozen {r.FrozenPercent[^1]:F2} %"));
                }
            }

            var (markdown, json) = EpochReport.Build(o, results);
            Console.WriteLine();
            Console.WriteLine(markdown);
            var output = o.Output ?? Path.Combine("bench", "results", DateTime.UtcNow.ToString("yyyy-MM-dd-HHmm", CultureInfo.InvariantCulture) + "-epochs.json");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            File.WriteAllText(output, json);
            Console.WriteLine($"results: {output}");
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    static EpochSideResult RunOurs(EpochOptions o, string neqDll, string init, string runDir)
    {
        try { return OursEpochRun.Run(o, neqDll, init, runDir); }
        finally
        {
            // The run folder holds a checkpoint with NEq's stored activations (hundreds of MB): drop it once read.
            if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        }
    }

    static EpochSideResult RunPeer(string work, string resultFile)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find the bench's own executable.");
        var psi = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        // Started as "dotnet neq-bench.dll": the child needs the dll too.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var a in new[] { "--epoch-child", work, "--result", resultFile }) psi.ArgumentList.Add(a);
        Allocator.Apply(Allocator.Best, psi.Environment);
        var (stdout, wall, load) = RunTimed(psi, "libtorch");
        var r = File.Exists(resultFile) ? JsonSerializer.Deserialize<EpochSideResult>(File.ReadAllText(resultFile), Report.Json)!
            : throw new InvalidOperationException($"libtorch: the child wrote no result.\n{stdout}");
        File.Delete(resultFile);
        return r with { WallSeconds = wall, LoadAverage = load };
    }

    /// <summary>Starts <paramref name="psi"/>, waits for it and returns its output, wall seconds and the load average when it started.</summary>
    /// <exception cref="InvalidOperationException">The process failed; the message holds its output.</exception>
    public static (string Stdout, double WallSeconds, double LoadAverage) RunTimed(ProcessStartInfo psi, string name)
    {
        double load = ProcessMemory.LoadAverage();
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{name}: could not start {psi.FileName}.");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        double wall = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{name}: the child process failed (exit {p.ExitCode}).\n{stdout.Result}\n{stderr.Result}");
        return (stdout.Result, wall, load);
    }

    /// <summary>Builds src/Neq.Train in Release from the repository root (the current folder or one above it) and returns its neq.dll.</summary>
    static string BuildNeqTrain()
    {
        var root = new DirectoryInfo(Directory.GetCurrentDirectory());
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Neq.sln"))) root = root.Parent;
        if (root is null) throw new ArgumentException("Run from the repository (no Neq.sln above the current folder), or pass --neq-dll.");
        var project = Path.Combine(root.FullName, "src", "Neq.Train");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "build", project, "-c", "Release", "-nologo", "-v", "quiet" }) psi.ArgumentList.Add(a);
        Console.WriteLine($"building {project} (Release)");
        RunTimed(psi, "dotnet build src/Neq.Train");
        var dll = Path.Combine(project, "bin", "Release", "net10.0", "neq.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"The build wrote no {dll}.");
    }

    static string Join(double[] v) => string.Join("/", v.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)));

    static (EpochOptions Options, string? Child, string? Result) Parse(string[] args)
    {
        var o = new EpochOptions();
        string? child = null, result = null;
        var a = new ArgReader(args);
        while (a.MoveNext())
        {
            switch (a.Current)
            {
                case "--epochs": break;
                case "--epoch-count": o = o with { EpochCount = a.Int(1) }; break;
                case "--train-size": o = o with { TrainSize = a.Int(1) }; break;
                case "--val-size": o = o with { ValSize = a.Int(1) }; break;
                case "--test-size": o = o with { TestSize = a.Int(1) }; break;
                case "--batch": o = o with { Batch = a.Int(1) }; break;
                case "--eval-batch": o = o with { EvalBatch = a.Int(1) }; break;
                case "--rounds": o = o with { Rounds = a.Int(1) }; break;
                case "--threads": o = o with { Threads = a.Int(1) }; break;
                case "--seed": o = o with { Seed = a.Int(0) }; break;
                case "--data": o = o with { Data = Path.GetFullPath(a.Next()) }; break;
                case "--neq-dll":
                    var dll = Path.GetFullPath(a.Next());
                    o = o with { NeqDll = File.Exists(dll) ? dll : throw new ArgumentException($"--neq-dll: no file '{dll}'.") };
                    break;
                case "--out": o = o with { Output = a.Next() }; break;
                case "--check-neq": o = o with { CheckNeq = true }; break;
                case "--epoch-child": child = a.Next(); break;
                case "--result": result = a.Next(); break;
                case "-h" or "--help": Console.WriteLine($"usage:\n{Usage}"); Environment.Exit(0); break;
                default: throw new ArgumentException($"unknown option '{a.Current}' for --epochs.");
            }
        }
        return (o, child, result);
    }
}
