using Neq.Onnx.Architectures;

namespace Neq.Onnx.Tests.Architectures;

public class SeededNormalTests
{
    [Fact]
    public void SplitMix64_matches_the_reference_sequence()
    {
        // First outputs of Vigna's splitmix64.c with state 0 (published test vector).
        var rng = new SeededNormal(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, rng.NextUInt64());
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(1e-30)]
    [InlineData(0.9999999999)]
    [InlineData(1.4142135623730951)]
    [InlineData(3.0e300)]
    public void Ln_agrees_with_Math_Log(double x)
    {
        var expected = Math.Log(x);
        Assert.True(Math.Abs(SeededNormal.Ln(x) - expected) <= 4 * Math.Max(Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected), double.Epsilon),
            $"ln({x}) = {SeededNormal.Ln(x):R}, Math.Log gives {expected:R}");
    }

    [Fact]
    public void Ln_agrees_with_Math_Log_over_the_unit_interval()
    {
        // The polar method only takes logs of s in (0, 1).
        var rng = new SeededNormal(7);
        for (int i = 0; i < 10_000; i++)
        {
            var x = rng.NextUniform() + 1e-300;
            var expected = Math.Log(x);
            Assert.True(Math.Abs(SeededNormal.Ln(x) - expected) <= 1e-15 * Math.Max(1.0, Math.Abs(expected)), $"ln({x:R})");
        }
    }

    [Fact]
    public void Samples_have_standard_normal_moments()
    {
        // For n samples of N(0,1): the mean has sd 1/√n, the variance sd √(2/n); allow 5 sd.
        const int n = 200_000;
        var rng = new SeededNormal(42);
        double sum = 0, sumSq = 0, within1 = 0;
        for (int i = 0; i < n; i++)
        {
            var z = rng.NextStandardNormal();
            sum += z;
            sumSq += z * z;
            if (Math.Abs(z) < 1) within1++;
        }
        var mean = sum / n;
        var variance = sumSq / n - mean * mean;
        Assert.InRange(mean, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
        Assert.InRange(variance, 1 - 5 * Math.Sqrt(2.0 / n), 1 + 5 * Math.Sqrt(2.0 / n));
        // P(|Z| < 1) = erf(1/√2) = 0.682689…; binomial sd √(p(1−p)/n).
        const double p = 0.6826894921370859;
        Assert.InRange(within1 / n, p - 5 * Math.Sqrt(p * (1 - p) / n), p + 5 * Math.Sqrt(p * (1 - p) / n));
    }

    [Fact]
    public void Streams_are_reproducible_and_distinct()
    {
        var a = new float[64];
        var b = new float[64];
        var c = new float[64];
        SeededNormal.ForStream(1, "conv1.weight").Fill(a, 1.0);
        SeededNormal.ForStream(1, "conv1.weight").Fill(b, 1.0);
        SeededNormal.ForStream(1, "layer1.0.conv1.weight").Fill(c, 1.0);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
