using System.Diagnostics;
using System.Globalization;
using Neq.Mpi.Probe;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Data;
using Neq.Onnx.Distributed;

// neq-mpi-probe: run by mpirun (or alone, as a single process) from tests/Neq.Onnx.Tests/Distributed.
//   collectives --out DIR            allreduce (float, double, long; sum, max, min) and broadcast results, one file per rank
//   step --model plain|bn|resnetD --steps S --batch B --images M --out DIR [--lr L] [--threads T] [--masks]
//        [--die-rank R --die-after N --die-how exit|throw|kill]
//                                   S data-parallel steps over a seeded synthetic set; parameters and checksum per rank
// Any error: one "error:" line; with several ranks the job is aborted so that no rank waits forever.
var options = ParseOptions(args.Skip(1));
Communicator comm;
try { comm = Communicator.Create(); }
catch (MpiException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
using var world = comm;
try
{
    var dir = Option(options, "out", Directory.GetCurrentDirectory());
    Directory.CreateDirectory(dir);
    switch (args.FirstOrDefault())
    {
        case "collectives": Collectives(comm, dir); break;
        case "step": Steps(comm, options, dir); break;
        default: throw new ArgumentException("usage: neq-mpi-probe collectives|step [--option value]...");
    }
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"error: rank {comm.Rank} of {comm.Size}: {e.Message}");
    if (comm.Size > 1) comm.Abort(1);
    return 1;
}

static void Collectives(Communicator comm, string dir)
{
    var (r, lines) = (comm.Rank, new List<string> { $"size {comm.Size}", $"description {comm.Description}" });
    float[] f = [r + 1, 2 * (r + 1), 0.25f];
    comm.Allreduce(f.AsSpan(), ReduceOperation.Sum);
    lines.Add("sum_float " + Join(f));
    double[] d = [r + 0.5];
    comm.Allreduce(d.AsSpan(), ReduceOperation.Sum);
    lines.Add("sum_double " + Join(d));
    long[] max = [10L * r, -r, 1L << 40];
    comm.Allreduce(max.AsSpan(), ReduceOperation.Max);
    lines.Add("max_long " + Join(max));
    long[] min = [10L * r, -r];
    comm.Allreduce(min.AsSpan(), ReduceOperation.Min);
    lines.Add("min_long " + Join(min));
    var root = comm.Size - 1;
    float[] b = [100f * r + 7, -r];
    comm.Broadcast(b.AsSpan(), root);
    lines.Add("bcast_float_from_last " + Join(b));
    byte[] bytes = [(byte)(r + 1), (byte)(2 * r + 3)];
    comm.Broadcast(bytes.AsSpan(), 0);
    lines.Add("bcast_byte_from_0 " + Join(bytes));
    // 4 MB of floats: the size of a ResNet-56 gradient; timed over 20 repetitions (median) after a warm-up.
    var big = new float[1 << 20];
    var times = new List<double>();
    for (int i = 0; i < 21; i++)
    {
        Array.Fill(big, r + 1);
        comm.Barrier();
        var sw = Stopwatch.StartNew();
        comm.Allreduce(big.AsSpan(), ReduceOperation.Sum);
        if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds);
    }
    lines.Add($"big_sum_distinct {Join(big.Distinct().ToArray())}");
    lines.Add($"allreduce_4MB_median_ms {Median(times).ToString("F3", CultureInfo.InvariantCulture)}");
    // The same 4 MB in 8 buckets of 512 KB, one allreduce each (what bucketing would cost without overlap).
    times.Clear();
    for (int i = 0; i < 21; i++)
    {
        comm.Barrier();
        var sw = Stopwatch.StartNew();
        for (int k = 0; k < 8; k++) comm.Allreduce(big.AsSpan(k * (big.Length / 8), big.Length / 8), ReduceOperation.Sum);
        if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds);
    }
    lines.Add($"allreduce_4MB_in_8_buckets_median_ms {Median(times).ToString("F3", CultureInfo.InvariantCulture)}");
    comm.Barrier();
    File.WriteAllLines(Path.Combine(dir, $"collectives.rank{r}.txt"), lines);
}

static void Steps(Communicator comm, Dictionary<string, string> options, string dir)
{
    var model = ProbeNets.Model(Option(options, "model", "plain"));
    var steps = int.Parse(Option(options, "steps", "4"), CultureInfo.InvariantCulture);
    var batch = int.Parse(Option(options, "batch", "16"), CultureInfo.InvariantCulture);
    var images = int.Parse(Option(options, "images", "40"), CultureInfo.InvariantCulture);
    var lr = float.Parse(Option(options, "lr", "0.05"), CultureInfo.InvariantCulture);
    var threads = int.Parse(Option(options, "threads", "1"), CultureInfo.InvariantCulture);
    var dieRank = int.Parse(Option(options, "die-rank", "-1"), CultureInfo.InvariantCulture);
    var dieAfter = int.Parse(Option(options, "die-after", "1"), CultureInfo.InvariantCulture);
    var dieHow = Option(options, "die-how", "exit");

    var artifacts = TrainingArtifacts.Compile(model, new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4), Split: true));
    using var step = new DataParallelStep(artifacts, comm, new DataParallelStepOptions(threads));
    // --masks: freeze every other channel of each masked layer, the same on every rank (as NEq's broadcast masks).
    var masks = options.ContainsKey("masks")
        ? artifacts.Artifacts.Manifest.Masks.ToDictionary(k => k.Name, k => Enumerable.Range(0, k.Channels).Select(c => c % 2 == 0 ? 1f : 0f).ToArray())
        : null;
    var shard = comm.Size > 1 ? new DataShard(comm.Rank, comm.Size) : null;
    var loader = new BatchLoader(ProbeNets.Images(images, seed: 11), new BatchLoaderOptions(batch, Shuffle: true, Augment: true, Seed: 7, Shard: shard));

    var lines = step.ReadValues().OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"initial {kv.Key} {Join(kv.Value)}").ToList();
    var times = new List<double>();
    var phases = new List<DataParallelStepTimings>();
    int done = 0;
    for (int epoch = 0; done < steps; epoch++)
    {
        foreach (var b in loader.ReadEpoch(epoch))
        {
            using (b)
            {
                if (done == steps) break;
                if (comm.Rank == dieRank && done == dieAfter)
                {
                    if (dieHow == "throw") throw new InvalidOperationException($"rank {comm.Rank} failed on purpose at step {done}");
                    if (dieHow == "kill") Process.GetCurrentProcess().Kill(); // SIGKILL: as the OOM killer or a crashed node would
                    Console.Error.WriteLine($"rank {comm.Rank} exits on purpose at step {done}");
                    Environment.Exit(3); // abruptly: no MPI_Finalize, the others wait in their next allreduce
                }
                var sw = Stopwatch.StartNew();
                var result = step.Step(b.Images, b.Labels, lr, masks);
                times.Add(sw.Elapsed.TotalMilliseconds);
                phases.Add(step.LastTimings);
                lines.Add($"step {done} loss {result.Loss.ToString("R", CultureInfo.InvariantCulture)} correct {result.Correct} count {result.Count} local {b.Count}");
                done++;
            }
        }
    }
    step.VerifyIdenticalParameters();
    step.AverageRunningStatistics();
    lines.Add($"checksum {step.ParameterChecksum():x16}");
    // Medians without the first step (session warm-up).
    string Ms(IEnumerable<double> v) => Median(v.Skip(1).ToList()).ToString("F1", CultureInfo.InvariantCulture);
    lines.Add($"step_median_ms {Ms(times)} grad {Ms(phases.Select(p => p.Grad * 1e3))} reduce {Ms(phases.Select(p => p.Reduce * 1e3))} update {Ms(phases.Select(p => p.Update * 1e3))}");
    foreach (var (name, value) in step.ReadValues().OrderBy(kv => kv.Key, StringComparer.Ordinal))
        lines.Add($"value {name} {Join(value)}");
    File.WriteAllLines(Path.Combine(dir, $"step.rank{comm.Rank}.txt"), lines);
}

static string Join<T>(T[] values) where T : IFormattable =>
    string.Join(' ', values.Select(v => v.ToString(v is float or double ? "R" : null, CultureInfo.InvariantCulture)));

static double Median(List<double> values)
{
    if (values.Count == 0) return double.NaN;
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static Dictionary<string, string> ParseOptions(IEnumerable<string> args)
{
    var result = new Dictionary<string, string>(StringComparer.Ordinal);
    string? key = null;
    foreach (var a in args)
    {
        if (a.StartsWith("--", StringComparison.Ordinal)) { key = a[2..]; result[key] = ""; }
        else if (key is not null) { result[key] = a; key = null; }
        else throw new ArgumentException($"unexpected argument '{a}'");
    }
    return result;
}

static string Option(Dictionary<string, string> options, string name, string fallback) =>
    options.TryGetValue(name, out var v) && v.Length > 0 ? v : fallback;
