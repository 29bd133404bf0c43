using Neq.Onnx.Data;
using Neq.Onnx.Tests.Training;

namespace Neq.Onnx.Tests.Distributed;

/// <summary>Each rank's slice of a global batch, and a sharded loader against the unsharded one.</summary>
public sealed class DataShardTests
{
    [Theory]
    // batch, ranks, expected (offset, length) per rank — by hand: the first (n mod K) ranks take ⌈n/K⌉.
    [InlineData(10, 3, new[] { 0, 4, 4, 3, 7, 3 })]
    [InlineData(16, 2, new[] { 0, 8, 8, 8 })]
    [InlineData(15, 2, new[] { 0, 8, 8, 7 })]
    [InlineData(2, 3, new[] { 0, 1, 1, 1, 2, 0 })]
    public void Slices_are_contiguous_disjoint_and_differ_by_at_most_one(int batch, int ranks, int[] expected)
    {
        var actual = Enumerable.Range(0, ranks).SelectMany(r => { var (o, n) = new DataShard(r, ranks).Slice(batch); return new[] { o, n }; }).ToArray();
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(-1, 2)]
    [InlineData(2, 2)]
    [InlineData(0, 0)]
    public void Impossible_shards_are_rejected(int rank, int count) =>
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new BatchLoader(TinyClassifier.Data(4, 1).Train, new BatchLoaderOptions(2, Shard: new DataShard(rank, count))));

    [Fact]
    public void Shards_of_three_ranks_together_are_the_single_process_batch_with_its_augmentation()
    {
        var images = TinyClassifier.Data(23, 1, seed: 4).Train;
        var whole = new BatchLoader(images, new BatchLoaderOptions(8, Shuffle: true, Augment: true, Seed: 9));
        var shards = Enumerable.Range(0, 3).Select(r => new BatchLoader(images, new BatchLoaderOptions(8, Shuffle: true, Augment: true, Seed: 9, Shard: new DataShard(r, 3)))).ToArray();
        var floats = whole.ImageFloats;
        for (int epoch = 0; epoch < 2; epoch++)
            for (int b = 0; b < whole.BatchCount; b++) // 8, 8, 7 images: shards 3+3+2, 3+3+2, 3+2+2
            {
                var (expectedImages, expectedLabels) = (new float[8 * floats], new long[8]);
                var n = whole.FillBatch(epoch, b, expectedImages, expectedLabels);
                var (gotImages, gotLabels) = (new List<float>(), new List<long>());
                foreach (var shard in shards)
                {
                    Assert.Equal(n, shard.GlobalBatchLength(b));
                    var (img, lab) = (new float[8 * floats], new long[8]);
                    var k = shard.FillBatch(epoch, b, img, lab);
                    Assert.Equal(k, shard.BatchLength(b));
                    Assert.Equal(k, shard.BatchShape(b)[0]);
                    gotImages.AddRange(img.AsSpan(0, k * floats).ToArray());
                    gotLabels.AddRange(lab.AsSpan(0, k).ToArray());
                }
                Assert.Equal(expectedImages.AsSpan(0, n * floats).ToArray(), gotImages.ToArray());
                Assert.Equal(expectedLabels.AsSpan(0, n).ToArray(), gotLabels.ToArray());
            }
        Assert.Equal([3, 2, 2], shards.Select(s => s.ReadEpoch(0).Last().Count));
    }
}
