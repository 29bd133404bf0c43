using Neq.Onnx.Equilibrium;

namespace Neq.Onnx.Tests.Equilibrium;

public sealed class EquilibriumMathTests
{
    [Fact]
    public void Variation_is_the_difference_of_similarities()
    {
        var delta = new double[2];
        EquilibriumMath.Variation([0.9, 1.0], [1.0, 0.7], delta);
        Assert.Equal(-0.1, delta[0], 1e-12);
        Assert.Equal(0.3, delta[1], 1e-12);
    }

    // The reference document's worked example: Δφ = −0.5, 0.3, 0.1 with μ = 0.5, from v_{−1} = 0, Δφ_{−1} = 0.
    //   paper: v0 = −0.5;  v1 = 0.3 − 0.5·(−0.5) = 0.55;  v2 = 0.1 − 0.5·0.55 = −0.175
    //   code:  v0 = −0.5;  v1 = 0.5·(−0.5) + 0.3 − (−0.5) = 0.55;  v2 = 0.5·0.55 + 0.1 − 0.3 = 0.075
    [Theory]
    [InlineData(VelocityRule.Paper, new[] { -0.5, 0.55, -0.175 })]
    [InlineData(VelocityRule.ReferenceCode, new[] { -0.5, 0.55, 0.075 })]
    public void Velocity_matches_the_worked_example(VelocityRule rule, double[] expected)
    {
        double[] deltas = [-0.5, 0.3, 0.1];
        double previousDelta = 0, previousVelocity = 0;
        for (var t = 0; t < 3; t++)
        {
            var v = new double[1];
            EquilibriumMath.Velocity(rule, 0.5, [deltas[t]], [previousDelta], [previousVelocity], v);
            Assert.Equal(expected[t], v[0], 1e-12);
            (previousDelta, previousVelocity) = (deltas[t], v[0]);
        }
    }

    [Theory]
    // |v| strictly below ε: both rules freeze.
    [InlineData(0.0009, 0.001, true, true)]
    [InlineData(-0.0009, 0.001, true, true)]
    // |v| exactly ε: only the code's ≤ freezes.
    [InlineData(0.001, 0.001, false, true)]
    [InlineData(-0.001, 0.001, false, true)]
    // Above ε: neither.
    [InlineData(0.0011, 0.001, false, false)]
    // ε = 0: the paper freezes nothing; the code freezes exactly-still neurons.
    [InlineData(0.0, 0.0, false, true)]
    [InlineData(1e-12, 0.0, false, false)]
    // NaN is never at equilibrium.
    [InlineData(double.NaN, 0.001, false, false)]
    public void Equilibrium_test_follows_the_rule(double v, double eps, bool paper, bool code)
    {
        Assert.Equal(paper, EquilibriumMath.IsAtEquilibrium(v, eps, VelocityRule.Paper));
        Assert.Equal(code, EquilibriumMath.IsAtEquilibrium(v, eps, VelocityRule.ReferenceCode));
    }

    [Fact]
    public void Freeze_recomputes_or_pins()
    {
        double[] v = [0.0005, 0.5, 0.0002, 0.3];
        bool[] before = [false, true, false, false];
        var fresh = new bool[4];
        Assert.Equal(2, EquilibriumMath.Freeze(v, 0.001, VelocityRule.Paper, pinning: false, before, fresh));
        Assert.Equal(new[] { true, false, true, false }, fresh); // channel 1 trains again
        var pinned = new bool[4];
        Assert.Equal(3, EquilibriumMath.Freeze(v, 0.001, VelocityRule.Paper, pinning: true, before, pinned));
        Assert.Equal(new[] { true, true, true, false }, pinned); // union with the earlier frozen set
    }

    [Theory]
    [InlineData(-0.001, 0.5, "--eps")]
    [InlineData(double.NaN, 0.5, "--eps")]
    [InlineData(double.PositiveInfinity, 0.5, "--eps")]
    [InlineData(0.001, 0.6, "--velocity-mu")]
    [InlineData(0.001, -0.1, "--velocity-mu")]
    public void Options_reject_out_of_range_values(double eps, double mu, string flag)
    {
        var e = Assert.Throws<ArgumentException>(() => new EquilibriumOptions(eps, mu).Validate());
        Assert.StartsWith(flag, e.Message);
    }

    [Fact]
    public void Option_defaults_are_the_published_ones()
    {
        var o = new EquilibriumOptions();
        o.Validate();
        Assert.Equal((0.001, 0.5, VelocityRule.Paper, false), (o.Eps, o.VelocityMu, o.VelocityRule, o.Pinning));
        new EquilibriumOptions(0, 0).Validate();
        new EquilibriumOptions(0.001, 0.5, VelocityRule.ReferenceCode, true).Validate();
    }
}
