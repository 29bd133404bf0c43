using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Graphs;
using Neq.Onnx.Training;
using Neq.Onnx.Artifacts;

namespace Neq.Bench;

/// <summary>
/// Our side, in a child process: train.onnx steps exactly as NeqTrainer runs them (preallocated
/// swapped buffers, masks fed), then eval.onnx forwards on the same batch.
/// </summary>
static class OnnxStepBench
{
    /// <summary>Configuration name prefixes: the general graph fed random masks, and the graph specialised to them.</summary>
    public const string Masked = "ours-frozen", Specialized = "ours-special";

    /// <summary>Configurations timing the masks of a run's checkpoint (--masks-from).</summary>
    /// <summary>The dense train.onnx run as written (standard ONNX), where the others run it lowered to the NCHWc kernels.</summary>
    public const string Portable = "ours-dense-portable";

    public const string RunPrefix = "ours-run-", RunMasked = RunPrefix + "masked", RunSpecialized = RunPrefix + "special";

    /// <summary>
    /// The masks of a configuration: a run's (<paramref name="masksFrom"/>, a checkpoint) or random, exactly
    /// round(frozen·C) channels of every layer at 0, the same for a given seed (so the masked and the specialised
    /// configuration, and the graphs --save-artifacts writes, see the same ones).
    /// </summary>
    public static Dictionary<string, float[]> Masks(ArtifactManifest m, double frozen, int seed, string? masksFrom)
    {
        var runMasks = masksFrom is null ? null : CheckpointFile.Load(masksFrom).Masks;
        var rng = new Random(seed + 1);
        return m.Masks.ToDictionary(k => k.Name, k =>
        {
            if (runMasks is not null)
                return runMasks.TryGetValue(k.Name, out var v) && v.Length == k.Channels ? v
                    : throw new ArgumentException($"{masksFrom} has no mask '{k.Name}' of {k.Channels} channels: it is not a ResNet-32 run.");
            var data = Enumerable.Repeat(1f, k.Channels).ToArray();
            int off = (int)Math.Round(frozen * k.Channels);
            foreach (int c in Enumerable.Range(0, k.Channels).OrderBy(_ => rng.Next()).Take(off)) data[c] = 0f;
            return data;
        }, StringComparer.Ordinal);
    }

    /// <summary>
    /// Writes, beside saved artifacts, train.onnx specialised to the masks of each --frozen fraction (and of
    /// --masks-from) with those masks as JSON: train.special-P.onnx and masks.special-P.json (P in %), or
    /// train.special-run.onnx and masks.special-run.json — for timing the graphs outside this program.
    /// </summary>
    public static void SaveSpecialized(BenchOptions o, string artifactDir)
    {
        var m = ArtifactManifest.FromJson(File.ReadAllText(Path.Combine(artifactDir, ArtifactManifest.FileName)));
        var infer = OnnxFile.Load(Path.Combine(artifactDir, TrainingArtifactSet.InferFile));
        var cases = o.FrozenFractions.Select(f => (Name: string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{f * 100:0.##}"), Frozen: f, From: (string?)null)).ToList();
        if (o.MasksFrom is not null) cases.Add(("run", 0, o.MasksFrom));
        foreach (var (name, frozen, from) in cases)
        {
            var masks = Masks(m, frozen, o.Seed, from);
            OnnxFile.Save(SpecializedTrain(infer, m, masks), Path.Combine(artifactDir, $"train.special-{name}.onnx"));
            File.WriteAllText(Path.Combine(artifactDir, $"masks.special-{name}.json"), System.Text.Json.JsonSerializer.Serialize(masks));
        }
    }

    /// <summary>train.onnx of <paramref name="infer"/> (the bench's options) specialised to masks by name, in the manifest's order.</summary>
    static ModelProto SpecializedTrain(ModelProto infer, ArtifactManifest m, IReadOnlyDictionary<string, float[]> masks) =>
        TrainingArtifacts.Compile(infer, Program.ArtifactOptions).SpecializedTrain(m.Masks.Select(k => masks[k.Name]).ToArray());

    /// <summary>Measures one configuration from the artifacts in <paramref name="artifactDir"/>.</summary>
    public static ChildResult Run(BenchOptions o, string artifactDir, string config, double frozen, string? masksFrom)
    {
        var m = ArtifactManifest.FromJson(File.ReadAllText(Path.Combine(artifactDir, ArtifactManifest.FileName)));
        var batch = new SyntheticBatch(o.Batch, o.Seed);
        var infer = OnnxFile.Load(Path.Combine(artifactDir, TrainingArtifactSet.InferFile));
        var initial = infer.Graph.Initializer.ToDictionary(t => t.Name, t => t.ToFloatArray(), StringComparer.Ordinal);

        var carried = new List<CarriedTensor>();
        var host = DeviceTensors.Host(); // as NeqTrainer on the CPU
        foreach (var p in m.Parameters) carried.Add(new CarriedTensor(p.Name, p.Output, [.. p.Shape], initial[p.Name], host));
        foreach (var s in m.OptimizerState.Concat(m.RunningStatistics))
        {
            long count = s.Shape.Aggregate(1L, (a, b) => a * b);
            carried.Add(new CarriedTensor(s.Name, s.Output, [.. s.Shape], s.Initial == "zeros" ? new float[count] : initial[s.Name], host));
        }
        var byName = carried.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var outputOf = carried.ToDictionary(c => c.Output, StringComparer.Ordinal);

        var fromRun = config.StartsWith(RunPrefix, StringComparison.Ordinal);
        var maskData = Masks(m, frozen, o.Seed, fromRun ? masksFrom ?? throw new ArgumentException($"{config} needs --masks-from.") : null);
        long zeros = maskData.Values.Sum(v => v.Count(x => x == 0)), channels = maskData.Values.Sum(v => v.Length);
        var masks = maskData.ToDictionary(kv => kv.Key, kv => OrtValue.CreateTensorValueFromMemory(kv.Value, [kv.Value.Length]), StringComparer.Ordinal);

        using var so = Sessions.Options(o.Threads, "cpu");
        using var run = new RunOptions();
        using var x = OrtValue.CreateTensorValueFromMemory(batch.Images, batch.ImageShape);
        using var y = OrtValue.CreateTensorValueFromMemory(batch.Labels, [o.Batch]);
        using var lr = OrtValue.CreateTensorValueFromMemory(new[] { BenchOptions.LearningRate }, []);
        var loss = new float[1];
        using var lossValue = OrtValue.CreateTensorValueFromMemory(loss, []);
        using var correctValue = OrtValue.CreateTensorValueFromMemory(new long[1], []);
        using var prediction = OrtValue.CreateTensorValueFromMemory(new float[o.Batch * BenchOptions.Classes], [o.Batch, BenchOptions.Classes]);

        // Specialized: what NeqTrainer does when the masks change — build train.onnx for them from
        // the kept compilation, then a session — timed as a whole.
        double? buildMs = null, graphMs = null;
        // As the trainer runs them: built for the NCHWc kernels where the machine has them (CpuKernels; that
        // build is part of the specialised graph's time, as in the trainer), except the portable configuration.
        ModelProto ForCpu(ModelProto model) => CpuKernels.For(model, "cpu", portable: config == Portable);
        InferenceSession NewTrainSession()
        {
            // The trainer keeps its compilation; only the specialisation is paid per change of masks.
            var compiled = TrainingArtifacts.Compile(infer, Program.ArtifactOptions);
            if (!config.StartsWith(Specialized, StringComparison.Ordinal) && config != RunSpecialized)
                return new InferenceSession(OnnxFile.Serialize(CpuKernels.Train(compiled, "cpu", portable: config == Portable)), so);
            var sw = Stopwatch.StartNew();
            var model = CpuKernels.Train(compiled, "cpu", portable: false, m.Masks.Select(k => maskData[k.Name]).ToArray());
            graphMs = sw.Elapsed.TotalMilliseconds;
            var session = new InferenceSession(OnnxFile.Serialize(model), so);
            buildMs = sw.Elapsed.TotalMilliseconds;
            return session;
        }

        var stepMs = new List<double>();
        double firstLoss;
        using (var train = NewTrainSession())
        {
            var sig = m.Graphs.First(g => g.Role == "train");
            var inNames = sig.Inputs.Select(i => i.Name).ToArray();
            var outNames = sig.Outputs.Select(i => i.Name).ToArray();
            firstLoss = double.NaN;
            for (int i = 0; i < o.Warmup + o.Iterations; i++)
            {
                var inputs = inNames.Select(n =>
                    n == m.DataInputs[0].Name ? x : n == m.Labels.Name ? y : n == m.LearningRate ? lr
                    : masks.TryGetValue(n, out var mv) ? mv : byName[n].CurrentValue).ToArray();
                var outputs = outNames.Select(n =>
                    n == m.LossOutput ? lossValue : n == m.CorrectOutput ? correctValue : n == m.Prediction ? prediction
                    : outputOf[n].NextValue).ToArray();
                var sw = Stopwatch.StartNew();
                train.Run(run, inNames, inputs, outNames, outputs);
                double ms = sw.Elapsed.TotalMilliseconds;
                foreach (var c in carried) c.Swap();
                if (i == 0) firstLoss = loss[0];
                if (i >= o.Warmup) stepMs.Add(ms);
            }
        }
        long peakStep = ProcessMemory.PeakRssKiB();

        var forwardMs = new List<double>();
        using (var eval = new InferenceSession(OnnxFile.Serialize(ForCpu(OnnxFile.Load(Path.Combine(artifactDir, TrainingArtifactSet.EvalFile)))), so))
        {
            var sig = m.Graphs.First(g => g.Role == "eval");
            var inNames = sig.Inputs.Select(i => i.Name).ToArray();
            var inputs = inNames.Select(n => n == m.DataInputs[0].Name ? x : byName[n].CurrentValue).ToArray();
            var outNames = new[] { m.Prediction };
            var outputs = new[] { prediction };
            for (int i = 0; i < o.Warmup + o.Iterations; i++)
            {
                var sw = Stopwatch.StartNew();
                eval.Run(run, inNames, inputs, outNames, outputs);
                double ms = sw.Elapsed.TotalMilliseconds;
                if (i >= o.Warmup) forwardMs.Add(ms);
            }
        }
        long peakAll = ProcessMemory.PeakRssKiB();

        foreach (var c in carried) c.Dispose();
        foreach (var v in masks.Values) v.Dispose();
        return new ChildResult(config, channels == 0 ? 0 : (double)zeros / channels, [.. forwardMs], [.. stepMs],
            null, null, peakStep, peakAll, firstLoss, buildMs, graphMs);
    }
}
