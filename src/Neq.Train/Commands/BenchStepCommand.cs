using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Neq.CommandLine;
using Neq.Onnx.Architectures;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Data;
using Neq.Onnx.Distributed;
using Neq.Onnx.Graphs;
using Neq.Onnx.Training;

namespace Neq.Train.Commands;

/// <summary>
/// <c>neq bench-step</c> (hidden): times ResNet-32 training steps exactly as <see cref="NeqTrainer"/>
/// runs them on a device — train.onnx through <see cref="StepBinding"/> with the carried tensors in
/// the device's memory, one host batch bound per step, loss and prediction back on the host — for the
/// general graph and for graphs specialised to random masks. It exists for machines that have the
/// self-contained <c>neq</c> but no dotnet to build bench/Neq.Bench (bench/gpu/).
/// With --data-parallel it times the data-parallel step instead (grad.onnx → allreduce → update.onnx,
/// <see cref="DataParallelStep"/>): under <c>mpirun -np K</c> each rank steps on its shard of the global
/// batch, and rank 0 reports images/s, the reduce phase and the bytes one allreduce moves (bench/mpi/).
/// </summary>
public sealed class BenchStepCommand : Command
{
    readonly Option<string> _device = new("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cuda" };
    readonly Option<int> _depth = new("--depth") { Description = "CIFAR ResNet depth (32: ResNet-32).", DefaultValueFactory = _ => 32 };
    readonly Option<int> _batch = new("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 128 };
    readonly Option<int> _warmup = new("--warmup") { Description = "Untimed steps per configuration.", DefaultValueFactory = _ => 10 };
    readonly Option<int> _steps = new("--steps") { Description = "Timed steps per configuration.", DefaultValueFactory = _ => 50 };
    readonly Option<string> _frozen = new("--frozen") { Description = "Frozen fractions of every layer's channels to time specialised graphs at (comma-separated).", DefaultValueFactory = _ => "0.5,0.95" };
    readonly Option<int> _threads = new("--threads") { Description = "ONNX Runtime threads (0: all cores).", DefaultValueFactory = _ => 0 };
    readonly Option<ulong> _seed = new("--seed") { Description = "Seed of the initial values, the batch and the masks.", DefaultValueFactory = _ => 0UL };
    readonly Option<string?> _json = new("--json") { Description = "Also write the results to this JSON file." };
    readonly Option<bool> _dataParallel = new("--data-parallel") { Description = "Time the data-parallel step (grad.onnx, allreduce, update.onnx) on the CPU; run it under mpirun -np K." };

    /// <summary>Creates the command.</summary>
    public BenchStepCommand() : base("bench-step", "Time training steps as the trainer runs them (general and specialised graphs).")
    {
        Hidden = true;
        foreach (var o in new Option[] { _device, _depth, _batch, _warmup, _steps, _frozen, _threads, _seed, _json, _dataParallel }) Options.Add(o);
        SetAction((p, ct) => Task.FromResult(Run(p, ct)));
    }

    /// <summary>One configuration's timing.</summary>
    sealed record Result(string Config, double FrozenPercent, double MedianMs, double MeanMs, double MinMs, double ImagesPerSecond,
        double FirstLoss, double LastLoss, double SessionSeconds);

    int Run(ParseResult p, CancellationToken ct)
    {
        var device = p.GetValue(_device)!;
        if (device is not ("cpu" or "cuda")) throw new UsageException($"--device must be cpu or cuda, not '{device}'.");
        int batch = p.GetValue(_batch), warmup = p.GetValue(_warmup), steps = p.GetValue(_steps), depth = p.GetValue(_depth);
        if (batch < 1 || steps < 1 || warmup < 0) throw new UsageException("--batch-size and --steps must be at least 1, --warmup at least 0.");
        if (!CifarResNet.IsValidDepth(depth)) throw new UsageException($"--depth {depth} is not 6n+2 (20, 32, 44, 56, 110).");
        double[] fractions;
        try { fractions = p.GetValue(_frozen)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray(); }
        catch (FormatException) { throw new UsageException($"--frozen must be comma-separated fractions, not '{p.GetValue(_frozen)}'."); }
        if (fractions.Any(f => f is < 0 or >= 1)) throw new UsageException("--frozen fractions must be in [0, 1).");
        var seed = p.GetValue(_seed);
        var output = p.InvocationConfiguration.Output;
        if (p.GetValue(_dataParallel)) return DataParallel(depth, batch, warmup, steps, p.GetValue(_threads), seed, p.GetValue(_json), output, ct);

        // The bench's network and optimizer (bench/Neq.Bench: SGD, momentum 0.9, weight decay 5e-4, lr 0.1).
        var compiled = TrainingArtifacts.Compile(CifarResNet.Build(new CifarResNetOptions(depth, 10, seed)),
            new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4)));
        var set = compiled.Artifacts;
        var m = set.Manifest;
        var initial = new InitialValues(set);
        var rng = new Random((int)(seed % int.MaxValue));
        var images = new float[batch * 3 * 32 * 32];
        for (int i = 0; i < images.Length; i++) images[i] = (float)(rng.NextDouble() * 2 - 1);
        var labels = Enumerable.Range(0, batch).Select(_ => (long)rng.Next(10)).ToArray();

        // On a CPU with NCHWc kernels the general graph also runs as written (standard ONNX), to compare the two.
        var configs = new List<(string Name, Dictionary<string, float[]> Masks, bool Specialise, bool Portable)> { ("general", Masks(m, 0, seed), false, false) };
        if (device == "cpu" && CpuKernels.NchwcBlockSize > 1) configs.Insert(0, ("general-portable", Masks(m, 0, seed), false, true));
        foreach (var f in fractions.Where(f => f > 0))
        {
            var masks = Masks(m, f, seed);
            var pct = (f * 100).ToString("0.##", CultureInfo.InvariantCulture);
            configs.Add(($"general-masked-{pct}", masks, false, false));
            configs.Add(($"special-{pct}", masks, true, false));
        }

        using var so = Sessions.Options(p.GetValue(_threads), device);
        using var run = new RunOptions();
        var results = new List<Result>();
        foreach (var (name, maskData, specialise, portable) in configs)
        {
            ct.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var model = CpuKernels.Train(compiled, device, portable, specialise ? compiled.Masks.Select(k => maskData[k.Name]).ToArray() : null);
            using var session = new InferenceSession(Neq.Onnx.Io.OnnxFile.Serialize(model), so);
            double sessionSeconds = clock.Elapsed.TotalSeconds;
            using var memory = device == "cuda" ? DeviceTensors.Cuda(session, so) : DeviceTensors.Device(session, OrtMemoryInfo.DefaultInstance, so);
            var carried = new List<CarriedTensor>();
            try
            {
                foreach (var t in m.Parameters) carried.Add(new CarriedTensor(t.Name, t.Output, [.. t.Shape], initial.Of(t.Name, t.Shape, "infer.onnx"), memory));
                foreach (var s in m.OptimizerState.Concat(m.RunningStatistics))
                    carried.Add(new CarriedTensor(s.Name, s.Output, [.. s.Shape], initial.Of(s.Name, s.Shape, s.Initial), memory));
                var byName = carried.ToDictionary(c => c.Name, StringComparer.Ordinal);
                var loss = new float[1];
                using var lossValue = OrtValue.CreateTensorValueFromMemory(loss, []);
                using var correctValue = OrtValue.CreateTensorValueFromMemory(new long[1], []);
                using var lrValue = OrtValue.CreateTensorValueFromMemory(new[] { 0.1f }, []);
                using var prediction = OrtValue.CreateTensorValueFromMemory(new float[batch * 10], [batch, 10]);
                var maskValues = maskData.ToDictionary(kv => kv.Key, kv => OrtValue.CreateTensorValueFromMemory(kv.Value, [kv.Value.Length]), StringComparer.Ordinal);
                try
                {
                    using var binding = new StepBinding(session, m, byName, lossValue, correctValue);
                    binding.BindEpochInputs(n => n == m.LearningRate ? lrValue : maskValues.TryGetValue(n, out var v) ? v
                        : throw new InvalidOperationException($"train.onnx input '{n}' is neither the learning rate nor a mask."));
                    var ms = new List<double>();
                    double first = double.NaN;
                    for (int i = 0; i < warmup + steps; i++)
                    {
                        // A fresh host batch per step, as the trainer binds each loader batch.
                        using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, images.AsMemory(), [batch, 3, 32, 32]);
                        using var y = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, labels.AsMemory(), [batch]);
                        var sw = Stopwatch.StartNew();
                        binding.Run(run, carried[0].Parity, x, y, prediction);
                        double t = sw.Elapsed.TotalMilliseconds;
                        foreach (var c in carried) c.Swap();
                        if (i == 0) first = loss[0];
                        if (i >= warmup) ms.Add(t);
                    }
                    ms.Sort();
                    double median = ms[ms.Count / 2], frozen = 100.0 * maskData.Values.Sum(v => v.Count(x => x == 0)) / maskData.Values.Sum(v => v.Length);
                    var r = new Result(name, frozen, median, ms.Average(), ms[0], batch * 1000.0 / median, first, loss[0], sessionSeconds);
                    results.Add(r);
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{device} {name,-22} frozen {frozen,5:0.0}%  median {median,8:0.000} ms  mean {r.MeanMs,8:0.000}  min {r.MinMs,8:0.000}  {r.ImagesPerSecond,8:0} img/s  loss {first:0.0000} -> {loss[0]:0.0000}  session {sessionSeconds:0.0} s"));
                }
                finally
                {
                    foreach (var v in maskValues.Values) v.Dispose();
                }
            }
            finally
            {
                foreach (var c in carried) c.Dispose();
            }
        }

        if (p.GetValue(_json) is { } json)
            File.WriteAllText(json, JsonSerializer.Serialize(new { device, depth, batch, warmup, steps, seed, results },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
        return CliHost.Ok;
    }

    /// <summary>
    /// The data-parallel step at global batch <paramref name="batch"/>, every rank on its shard of the
    /// same random batch (general graph, no masks). Per step: the wall time, and this rank's grad,
    /// reduce (weighting, allreduce and waiting for the slower rank) and update phases; after the
    /// steps, allreduces of the same buffer alone, each after a barrier, which time the transfer
    /// without the wait. Rank 0 prints the medians.
    /// </summary>
    static int DataParallel(int depth, int batch, int warmup, int steps, int threads, ulong seed, string? json, TextWriter output, CancellationToken ct)
    {
        using var comm = Communicator.Create();
        var compiled = TrainingArtifacts.Compile(CifarResNet.Build(new CifarResNetOptions(depth, 10, seed)),
            new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4), Split: true));
        var rng = new Random((int)(seed % int.MaxValue));
        var images = new float[batch * 3 * 32 * 32];
        for (int i = 0; i < images.Length; i++) images[i] = (float)(rng.NextDouble() * 2 - 1);
        var labels = Enumerable.Range(0, batch).Select(_ => (long)rng.Next(10)).ToArray();
        var (offset, count) = new DataShard(comm.Rank, comm.Size).Slice(batch);
        using var step = new DataParallelStep(compiled, comm, new DataParallelStepOptions(threads));
        var (wall, grad, reduce, update) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        float first = float.NaN, last = float.NaN;
        for (int i = 0; i < warmup + steps; i++)
        {
            ct.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            var r = step.Step(images.AsMemory(offset * 3072, count * 3072), labels.AsMemory(offset, count), 0.1f);
            var t = sw.Elapsed.TotalMilliseconds;
            if (i == 0) first = r.Loss;
            last = r.Loss;
            if (i < warmup) continue;
            wall.Add(t);
            grad.Add(step.LastTimings.Grad * 1000);
            reduce.Add(step.LastTimings.Reduce * 1000);
            update.Add(step.LastTimings.Update * 1000);
        }
        var buffer = new float[step.ReduceBytes / 4];
        var transfer = new List<double>();
        for (int i = 0; i < Math.Max(5, steps) && comm.Size > 1; i++)
        {
            comm.Barrier();
            var sw = Stopwatch.StartNew();
            comm.Allreduce(buffer.AsSpan(), ReduceOperation.Sum);
            transfer.Add(sw.Elapsed.TotalMilliseconds);
        }
        static double Median(List<double> v) => v.Count == 0 ? 0 : v.Order().ElementAt(v.Count / 2);
        var result = new
        {
            ranks = comm.Size, mpi = comm.Description, threads, depth, batch, perRank = count, warmup, steps,
            medianStepMs = Median(wall), imagesPerSecond = batch * 1000.0 / Median(wall),
            medianGradMs = Median(grad), medianReduceMs = Median(reduce), medianUpdateMs = Median(update),
            reduceShare = Median(reduce) / Median(wall), allreduceAloneMs = Median(transfer), bytesPerAllreduce = step.ReduceBytes,
            firstLoss = first, lastLoss = last, loadAverage = LoadAverage(),
        };
        if (!comm.IsRoot) return CliHost.Ok;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"data-parallel {comm.Size} rank(s) × {threads} thread(s), ResNet-{depth}, global batch {batch} ({count} on rank 0): median step {result.medianStepMs:0.0} ms, {result.imagesPerSecond:0.0} img/s; " +
            $"grad {result.medianGradMs:0.0} ms, reduce {result.medianReduceMs:0.0} ms ({100 * result.reduceShare:0.0}% of the step), update {result.medianUpdateMs:0.0} ms; " +
            $"allreduce alone {result.allreduceAloneMs:0.00} ms for {step.ReduceBytes} bytes; loss {first:0.0000} -> {last:0.0000}; load average {result.loadAverage}"));
        if (json is not null)
            File.WriteAllText(json, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        return CliHost.Ok;
    }

    /// <summary>The 1-, 5- and 15-minute load averages (/proc/loadavg), or "" where there is none: the machine may be busy.</summary>
    static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "";

    /// <summary>
    /// Exactly round(frozen·C) channels of every layer at 0, chosen by the seed (as bench/Neq.Bench's
    /// random masks, so the general and the specialised graph see the same ones).
    /// </summary>
    static Dictionary<string, float[]> Masks(ArtifactManifest m, double frozen, ulong seed)
    {
        var rng = new Random((int)(seed % int.MaxValue) + 1);
        return m.Masks.ToDictionary(k => k.Name, k =>
        {
            var data = Enumerable.Repeat(1f, k.Channels).ToArray();
            foreach (int c in Enumerable.Range(0, k.Channels).OrderBy(_ => rng.Next()).Take((int)Math.Round(frozen * k.Channels))) data[c] = 0f;
            return data;
        }, StringComparer.Ordinal);
    }
}
