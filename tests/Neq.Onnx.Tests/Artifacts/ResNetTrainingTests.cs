using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Neq.Onnx.Architectures;
using Neq.Onnx.Artifacts;
using Xunit.Abstractions;

namespace Neq.Onnx.Tests.Artifacts;

/// <summary>A fact that is skipped, with the reason, when the shared CIFAR-10 archive is absent.</summary>
public sealed class CifarFactAttribute : FactAttribute
{
    /// <summary>Skips unless <see cref="ResNetTrainingTests.CifarArchive"/> exists.</summary>
    public CifarFactAttribute()
    {
        if (!File.Exists(ResNetTrainingTests.CifarArchive))
            Skip = $"CIFAR-10 is not at {ResNetTrainingTests.CifarArchive} (the shared data folder beside the repository).";
    }
}

/// <summary>
/// 100 SGD steps of ResNet-32 (batch 32, lr 0.05, momentum 0.9, weight decay 5e-4) on the first
/// 2,000 images of CIFAR-10's data_batch_1, normalised with the reference mean and std, no
/// augmentation, in file order: the mean loss of the last 10 steps must be at least 20 % below that
/// of the first 10.
/// </summary>
[Collection(FullModelTraining.Name)]
public sealed class ResNetTrainingTests(ITestOutputHelper log)
{
    /// <summary>../shared/data/cifar-10-binary.tar.gz relative to the repository root.</summary>
    public static string CifarArchive => Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "data", "cifar-10-binary.tar.gz"));

    const int Images = 2000, BatchSize = 32, Steps = 100;
    const int RecordBytes = 1 + 3 * 32 * 32;
    static readonly float[] Mean = [0.49139968f, 0.48215841f, 0.44653091f];
    static readonly float[] Std = [0.2023f, 0.1994f, 0.2010f];

    /// <summary>The first <paramref name="count"/> records of data_batch_1.bin: normalised CHW pixels and labels.</summary>
    static (float[] Pixels, long[] Labels) ReadCifar(int count)
    {
        using var file = File.OpenRead(CifarArchive);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while (tar.GetNextEntry() is { } entry)
        {
            if (!entry.Name.EndsWith("data_batch_1.bin", StringComparison.Ordinal) || entry.DataStream is null) continue;
            var bytes = new byte[count * RecordBytes];
            entry.DataStream.ReadExactly(bytes);
            var pixels = new float[count * 3 * 1024];
            var labels = new long[count];
            for (int n = 0; n < count; n++)
            {
                labels[n] = bytes[n * RecordBytes];
                for (int k = 0; k < 3 * 1024; k++)
                {
                    int c = k / 1024;
                    pixels[n * 3 * 1024 + k] = (bytes[n * RecordBytes + 1 + k] / 255f - Mean[c]) / Std[c];
                }
            }
            return (pixels, labels);
        }
        throw new InvalidDataException($"{CifarArchive} has no data_batch_1.bin.");
    }

    [CifarFact]
    [Trait("Category", "Slow")]
    public void Hundred_SGD_steps_of_ResNet32_lower_the_loss()
    {
        var (pixels, labels) = ReadCifar(Images);
        var set = TrainingArtifacts.Build(CifarResNet.Build(new CifarResNetOptions(Depth: 32)),
            new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4)));
        var m = set.Manifest;
        var inits = SmallNets.Initializers(set.Infer);
        var feeds = new Dictionary<string, Feed>(StringComparer.Ordinal) { [TrainingNames.LearningRate] = Feed.Of([0.05f]) };
        foreach (var p in m.Parameters) feeds[p.Name] = Feed.Of(inits[p.Name], [.. p.Shape]);
        foreach (var r in m.RunningStatistics) feeds[r.Name] = Feed.Of(inits[r.Name], [.. r.Shape]);
        SmallNets.AddOpenMasks(feeds, m);
        foreach (var s in m.OptimizerState) feeds[s.Name] = Feed.Of(new float[s.Shape.Aggregate(1L, (a, b) => a * b)], [.. s.Shape]);
        var carried = m.Parameters.Select(p => (p.Name, p.Output))
            .Concat(m.OptimizerState.Concat(m.RunningStatistics).Select(s => (s.Name, s.Output))).ToArray();

        using var train = new OrtRunner(set.Train);
        var losses = new List<double>();
        var clock = Stopwatch.StartNew();
        const int image = 3 * 32 * 32;
        for (int step = 0; step < Steps; step++)
        {
            int first = step * BatchSize % (Images - Images % BatchSize);
            feeds[CifarResNet.InputName] = Feed.Of(pixels.AsSpan(first * image, BatchSize * image).ToArray(), BatchSize, 3, 32, 32);
            feeds[TrainingNames.Labels] = Feed.Of(labels.AsSpan(first, BatchSize).ToArray(), BatchSize);
            var o = train.Run(feeds);
            foreach (var (input, output) in carried) feeds[input] = o[output];
            losses.Add(o[TrainingNames.Loss].Floats[0]);
        }
        clock.Stop();

        double head = losses.Take(10).Average(), tail = losses.TakeLast(10).Average();
        log.WriteLine($"ResNet-32, {Steps} SGD steps of batch {BatchSize}: mean loss of steps 1–10 {head:F4}, of steps 91–100 {tail:F4} ({(1 - tail / head) * 100:F1} % lower); {clock.Elapsed.TotalSeconds:F1} s ({clock.Elapsed.TotalMilliseconds / Steps:F0} ms per step).");
        log.WriteLine("losses: " + string.Join(" ", losses.Select(l => l.ToString("F3", System.Globalization.CultureInfo.InvariantCulture))));
        Assert.All(losses, l => Assert.True(double.IsFinite(l), "The loss became NaN or infinite."));
        Assert.True(tail <= 0.8 * head, $"The loss fell from {head:F4} to {tail:F4}, less than 20 %.");
    }
}
