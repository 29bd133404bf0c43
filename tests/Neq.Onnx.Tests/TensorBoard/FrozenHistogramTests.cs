using Neq.Train.TensorBoard;

namespace Neq.Onnx.Tests.TensorBoard;

/// <summary>The per-layer frozen % histogram: buckets counted by hand, moments recomputed.</summary>
public sealed class FrozenHistogramTests
{
    [Fact]
    public void Buckets_follow_the_lower_inclusive_rule_and_a_fully_frozen_layer_lands_in_the_last()
    {
        // 0 and 5 → [0,10); 10 → [10,20); 55 → [50,60); 100 twice → [90, ∞).
        var h = FrozenHistogram.Of([0, 5, 10, 55, 100, 100]);
        Assert.Equal([10, 20, 30, 40, 50, 60, 70, 80, 90, double.MaxValue], h.BucketLimit);
        Assert.Equal([2, 1, 0, 0, 0, 1, 0, 0, 0, 2], h.Bucket);
        Assert.Equal((0.0, 100.0, 6.0, 270.0, 0 + 25 + 100 + 3025 + 10000 + 10000.0), (h.Min, h.Max, h.Num, h.Sum, h.SumSquares));
    }

    [Fact]
    public void Empty_buckets_outside_the_occupied_range_are_left_out()
    {
        var h = FrozenHistogram.Of([35, 42, 41]);
        Assert.Equal([40, 50], h.BucketLimit);
        Assert.Equal([1, 2], h.Bucket);
        Assert.Equal(h.Num, h.Bucket.Sum());
    }

    [Fact]
    public void No_layers_is_an_error() => Assert.Throws<ArgumentException>(() => FrozenHistogram.Of([]));
}
