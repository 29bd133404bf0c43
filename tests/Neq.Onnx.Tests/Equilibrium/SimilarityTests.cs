using Neq.Onnx.Equilibrium;

namespace Neq.Onnx.Tests.Equilibrium;

public sealed class SimilarityTests
{
    public static TheoryData<float[], float[], double> Cases => new()
    {
        // Orthogonal: 0.
        { [1, 0], [0, 1], 0 },
        // Parallel, different lengths: 1.
        { [1, 2], [2, 4], 1 },
        // 45°: 1/√2.
        { [1, 0], [1, 1], 0.70710678 },
        // (3,4)·(4,3) = 24, both norms 5: 24/25.
        { [3, 4], [4, 3], 0.96 },
        // Opposite: −1.
        { [1, 2, 3], [-1, -2, -3], -1 },
        // Both all-zero (a dead neuron): 1.
        { [0, 0, 0], [0, 0, 0], 1 },
        // Exactly one all-zero: 0, either way round.
        { [0, 0], [1, 2], 0 },
        { [5, 0], [0, 0], 0 },
        // NaN or infinity in either vector: 0.
        { [float.NaN, 1], [1, 1], 0 },
        { [1, 1], [float.PositiveInfinity, 1], 0 },
        { [float.NegativeInfinity, 0], [1, 0], 0 },
        // NaN against an all-zero vector: the one-zero rule, 0.
        { [float.NaN, 0], [0, 0], 0 },
        // Tiny values whose squares underflow float32 are still not zero: cos = 1.
        { [1e-30f, 0], [2e-30f, 0], 1 },
        // …and one tiny against all-zero is the one-zero case.
        { [1e-30f, 0], [0, 0], 0 },
        // Huge values whose squares overflow float32 are still finite: cos = (1·1 + 1·(−1))/2 = 0 and (1+1)/2 = 1.
        { [1e30f, 1e30f], [1e30f, -1e30f], 0 },
        { [1e30f, 1e30f], [1e30f, 1e30f], 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Follows_the_zero_and_NaN_policy(float[] a, float[] b, double expected) =>
        Assert.Equal(expected, Similarity.Cosine(a, b), 1e-6);

    [Fact]
    public void Long_vectors_match_a_double_calculation()
    {
        // 1,024 positions (a 32×32 map), vectorised float32 against a plain float64 loop.
        var rng = new Random(3);
        var a = Enumerable.Range(0, 1024).Select(_ => (float)rng.NextDouble() - 0.3f).ToArray();
        var b = a.Select(x => x + 0.1f * ((float)rng.NextDouble() - 0.5f)).ToArray();
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++) { dot += (double)a[i] * b[i]; na += (double)a[i] * a[i]; nb += (double)b[i] * b[i]; }
        Assert.Equal(dot / Math.Sqrt(na * nb), Similarity.Cosine(a, b), 1e-5);
    }

    [Fact]
    public void Stays_within_minus_one_to_one() =>
        Assert.True(Similarity.FromSums(1.0000001, 1, 1) <= 1f && Similarity.FromSums(-1.0000001, 1, 1) >= -1f);
}
