using System.Diagnostics;
using Neq.Onnx.Data;
using Xunit.Abstractions;

namespace Neq.Onnx.Tests.Data;

public sealed class BatchLoaderTests(ITestOutputHelper output)
{
    static ImageSet RandomImages(int count, int seed = 5)
    {
        var rng = new Random(seed);
        var pixels = new byte[count * 3072];
        rng.NextBytes(pixels);
        var labels = Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray();
        return new ImageSet(pixels, labels, 3, 32, 32);
    }

    static readonly ImageTransform Transform = new(3, 32, 32, ImageNormalization.Cifar10);

    [Fact]
    public void BatchesAreTheTransformedImagesInEpochOrder()
    {
        var images = RandomImages(10);
        var loader = new BatchLoader(images, new BatchLoaderOptions(4, Shuffle: true, Augment: true, Seed: 9));
        var order = loader.EpochOrder(2);
        Assert.Equal(Enumerable.Range(0, 10), order.Order());
        var expected = new float[3072];
        var sizes = new List<int>();
        foreach (var batch in loader.ReadEpoch(2))
        {
            using (batch)
            {
                sizes.Add(batch.Count);
                for (var i = 0; i < batch.Count; i++)
                {
                    var position = batch.Index * 4 + i;
                    var image = order[position];
                    Assert.Equal(images.Label(image), batch.Labels.Span[i]);
                    Transform.Apply(images.Image(image), loader.AugmentationAt(2, position), expected);
                    Assert.True(expected.AsSpan().SequenceEqual(batch.Images.Span.Slice(i * 3072, 3072)));
                }
            }
        }
        // drop_last = false: 10 images in batches of 4 are 4, 4, 2.
        Assert.Equal(new[] { 4, 4, 2 }, sizes);
        Assert.Equal(new long[] { 2, 3, 32, 32 }, loader.BatchShape(2));
    }

    [Fact]
    public void EpochsReplayFromSeedAndEpochAlone()
    {
        var images = RandomImages(50);
        var options = new BatchLoaderOptions(8, Shuffle: true, Augment: true, Seed: 1234);
        var a = new BatchLoader(images, options);
        var b = new BatchLoader(images, options);
        // b jumps straight to epoch 3 (a resumed run); a goes through epochs 0..3 first.
        for (var e = 0; e < 3; e++) a.EpochOrder(e);
        Assert.Equal(a.EpochOrder(3), b.EpochOrder(3));
        Assert.Equal(Enumerable.Range(0, 50).Select(p => a.AugmentationAt(3, p)), Enumerable.Range(0, 50).Select(p => b.AugmentationAt(3, p)));
        var fromA = new float[8 * 3072];
        var fromB = new float[8 * 3072];
        var labelsA = new long[8];
        var labelsB = new long[8];
        a.FillBatch(3, 5, fromA, labelsA);
        b.FillBatch(3, 5, fromB, labelsB);
        Assert.Equal(fromA, fromB);
        Assert.Equal(labelsA, labelsB);
        // Different epochs and seeds give different orders.
        Assert.NotEqual(a.EpochOrder(3), a.EpochOrder(4));
        Assert.NotEqual(a.EpochOrder(3), new BatchLoader(images, options with { Seed = 1235 }).EpochOrder(3));
    }

    [Fact]
    public void AugmentationDrawsCoverTheRange()
    {
        var loader = new BatchLoader(RandomImages(1), new BatchLoaderOptions(1, Augment: true, Seed: 7));
        var draws = Enumerable.Range(0, 4000).Select(p => loader.AugmentationAt(0, p)).ToList();
        Assert.Equal(Enumerable.Range(0, 9), draws.Select(d => d.Top).Distinct().Order());
        Assert.Equal(Enumerable.Range(0, 9), draws.Select(d => d.Left).Distinct().Order());
        var flips = draws.Count(d => d.Flip);
        Assert.InRange(flips, 1800, 2200); // p = 0.5: mean 2000, sd 32
        var noAugment = new BatchLoader(RandomImages(1), new BatchLoaderOptions(1, Augment: false));
        Assert.Equal(new CropFlip(4, 4, false), noAugment.AugmentationAt(0, 0));
    }

    [Fact]
    public void ValidationOrderIsFixedAcrossEpochs()
    {
        var images = RandomImages(20);
        int[] subset = [3, 7, 11, 19];
        var loader = new BatchLoader(images, new BatchLoaderOptions(3), subset);
        Assert.Equal(subset, loader.EpochOrder(0));
        Assert.Equal(subset, loader.EpochOrder(7));
        Assert.Equal(4, loader.Count);
        Assert.Equal(2, loader.BatchCount);
        var labels = loader.ReadEpoch(1).SelectMany(b => { using (b) return b.Labels.ToArray(); }).ToArray();
        Assert.Equal(subset.Select(i => (long)images.Label(i)), labels);
    }

    [Fact]
    public void LeavingEarlyStopsTheProducerAndReusesBuffers()
    {
        var loader = new BatchLoader(RandomImages(100), new BatchLoaderOptions(10, Shuffle: true, Prefetch: 2));
        foreach (var batch in loader.ReadEpoch(0))
        {
            batch.Dispose();
            if (batch.Index == 1) break;
        }
        // A fresh epoch still delivers all batches, in order.
        var indices = new List<int>();
        foreach (var batch in loader.ReadEpoch(1)) using (batch) indices.Add(batch.Index);
        Assert.Equal(Enumerable.Range(0, 10), indices);
    }

    [Fact]
    public void ProducerFailureReachesTheConsumer()
    {
        var loader = new BatchLoader(RandomImages(10), new BatchLoaderOptions(5));
        // A negative epoch fails inside the producer; the consumer sees that exception.
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.ReadEpoch(-1).ToList());
    }

    [Fact]
    public void ThroughputIsFarAboveTrainingSpeed()
    {
        // No timing assertion (shared CI machines are noisy); the figures are printed for the report.
        const int count = 10_000;
        var loader = new BatchLoader(RandomImages(count), new BatchLoaderOptions(100, Shuffle: true, Augment: true, Seed: 3));
        foreach (var b in loader.ReadEpoch(0)) b.Dispose(); // warm up (JIT, buffers)

        // One thread filling batches: wall clock, and process CPU time (robust when other
        // processes compete for the cores).
        var images = new float[100 * 3072];
        var labels = new long[100];
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var b = 0; b < loader.BatchCount; b++) loader.FillBatch(1, b, images, labels);
        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;

        clock.Restart();
        var seen = 0;
        foreach (var b in loader.ReadEpoch(2)) using (b) seen += b.Count;
        var prefetched = seen / clock.Elapsed.TotalSeconds;
        Assert.Equal(count, seen);

        // With a consumer that "computes" 5 ms per batch of 100 (20,000 images/s, ~70× the
        // measured training speed), how long does it wait for the loader?
        var waiting = TimeSpan.Zero;
        clock.Restart();
        using (var e = loader.ReadEpoch(3).GetEnumerator())
        {
            while (true)
            {
                var wait = Stopwatch.StartNew();
                if (!e.MoveNext()) break;
                waiting += wait.Elapsed;
                using (e.Current) Thread.Sleep(5);
            }
        }
        var total = clock.Elapsed;
        output.WriteLine($"FillBatch, one thread: {count / wall:N0} images/s wall, {count / cpu:N0} images per CPU-second (shuffle + crop + flip + normalise to float32)");
        output.WriteLine($"ReadEpoch (background thread): {prefetched:N0} images/s; {Environment.ProcessorCount} cores");
        output.WriteLine($"with 5 ms of compute per batch: waited {waiting.TotalMilliseconds:N0} ms of {total.TotalMilliseconds:N0} ms ({100 * waiting / total:0.0} %)");
    }
}
