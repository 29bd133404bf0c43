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
    public void Batches_are_the_transformed_images_in_epoch_order()
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
    public void Epochs_replay_from_seed_and_epoch_alone()
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
    public void Augmentation_draws_cover_the_range()
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
    public void Validation_order_is_fixed_across_epochs()
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
    public void Leaving_early_stops_the_producer_and_reuses_buffers()
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
    public void Producer_failure_reaches_the_consumer()
    {
        var loader = new BatchLoader(RandomImages(10), new BatchLoaderOptions(5));
        // A negative epoch fails inside the producer; the consumer sees that exception.
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.ReadEpoch(-1).ToList());
    }

    /// <summary>
    /// The loader's work per image is a small fraction of what training that image costs on the
    /// same core, so one loader thread keeps ahead of training. The bound, by hand: ResNet-32's
    /// forward pass is 68.9 M multiply-adds per CIFAR image (ModelSummaryTests counts 68,861,952 in its convolutions) and a
    /// training step about three times that (forward, input gradient, weight gradient), 207 M; a
    /// core doing 2 × 16 float32 FMAs per cycle at 3 GHz (AVX-512, an upper bound for CPUs that run
    /// the suite) reaches 96 G per second, so training takes at least 2.2 ms of CPU per image:
    /// at most 464 images per CPU-second. The loader (shuffle, pad-and-crop, flip, normalise to
    /// float32) must do ten times that. CPU time of this thread is measured where the OS reports
    /// it (Linux), so tests running beside it or other processes on the machine do not count;
    /// elsewhere the process's CPU time, which can only overstate the loader's cost.
    /// </summary>
    [Fact]
    public void Loader_cpu_cost_per_image_is_under_a_tenth_of_the_fastest_possible_training_step()
    {
        const double trainingMacsPerImage = 3 * 68.9e6;
        const double peakMacsPerCpuSecond = 2 * 16 * 3e9;
        const double trainingImagesPerCpuSecond = peakMacsPerCpuSecond / trainingMacsPerImage; // ≈ 464
        const int count = 5_000;
        var loader = new BatchLoader(RandomImages(count), new BatchLoaderOptions(100, Shuffle: true, Augment: true, Seed: 3));
        var images = new float[100 * 3072];
        var labels = new long[100];
        for (var b = 0; b < loader.BatchCount; b++) loader.FillBatch(0, b, images, labels); // warm up (JIT, buffers)

        var cpu0 = CpuSeconds();
        for (var b = 0; b < loader.BatchCount; b++) loader.FillBatch(1, b, images, labels);
        var cpu = CpuSeconds() - cpu0;
        var loaderImagesPerCpuSecond = count / Math.Max(cpu, 1e-3);
        output.WriteLine($"FillBatch: {loaderImagesPerCpuSecond:N0} images per CPU-second; training at most {trainingImagesPerCpuSecond:N0}");
        Assert.True(loaderImagesPerCpuSecond >= 10 * trainingImagesPerCpuSecond,
            $"the loader does {loaderImagesPerCpuSecond:N0} images per CPU-second, under 10 × {trainingImagesPerCpuSecond:N0} (training's per-core upper bound)");
    }

    /// <summary>CPU seconds of the calling thread (Linux schedstat, nanoseconds), else of the process.</summary>
    static double CpuSeconds()
    {
        const string schedstat = "/proc/thread-self/schedstat";
        if (File.Exists(schedstat))
            return long.Parse(File.ReadAllText(schedstat).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1e9;
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }
}
