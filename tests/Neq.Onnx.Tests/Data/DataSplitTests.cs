using Neq.Onnx.Data;

namespace Neq.Onnx.Tests.Data;

public sealed class DataSplitTests
{
    [Theory]
    [InlineData(50_000, 0.01, 500)]   // the published --val-size
    [InlineData(50_000, 0.001, 50)]   // the authors' CSV runs
    [InlineData(100, 0.29, 28)]       // floor(0.29·100) is 28 in binary floating point, as in NumPy
    [InlineData(10, 0.0, 0)]
    public void Size_is_the_floor_of_the_fraction(int count, double valSize, int expected)
    {
        var split = DataSplit.Create(count, valSize, seed: 1);
        Assert.Equal(expected, split.Validation.Length);
        Assert.Equal(count - expected, split.Train.Length);
    }

    [Fact]
    public void Seeded_disjoint_and_complete()
    {
        var a = DataSplit.Create(1000, 0.1, seed: 42);
        var b = DataSplit.Create(1000, 0.1, seed: 42);
        var c = DataSplit.Create(1000, 0.1, seed: 43);
        Assert.Equal(a.Validation, b.Validation);
        Assert.Equal(a.Train, b.Train);
        Assert.NotEqual(a.Validation, c.Validation);
        Assert.Empty(a.Train.Intersect(a.Validation));
        Assert.Equal(Enumerable.Range(0, 1000), a.Train.Concat(a.Validation).Order());
        // Fixed, sorted order so every epoch sees the validation images in the same sequence.
        Assert.Equal(a.Validation.Order(), a.Validation);
        // A random subset, not a block: it spans the set.
        Assert.True(a.Validation.Min() < 200 && a.Validation.Max() > 800);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Rejects_fractions_outside_zero_to_one(double valSize) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Create(10, valSize, 0));
}
