using Neq.Onnx.Equilibrium;

namespace Neq.Onnx.Tests.Equilibrium;

public sealed class EquilibriumControllerTests
{
    // Shape legend: activations are [V images, C channels, P positions], image-major.

    static EquilibriumUpdate Pass(EquilibriumController c, params float[][] perLayer)
    {
        for (var l = 0; l < perLayer.Length; l++) c.Observe(l, 0, perLayer[l]);
        return c.CompletePass();
    }

    // One conv-like layer, C = 2, P = 2, V = 2.
    static readonly EquilibriumLayer Conv = new("conv", 2, 2);
    //                               image 0: ch0   ch1     image 1: ch0   ch1
    static readonly float[] Ref    = [1, 0, 1, 1, /**/ 0, 2, 3, 4];
    static readonly float[] Epoch0 = [1, 1, 2, 2, /**/ 0, 5, 4, 3];
    // cos(ch0): image 0 (1,0)·(1,1) = 1/√2 = 0.70710678; image 1 (0,2)·(0,5) parallel = 1 → φ = 0.85355339
    // cos(ch1): image 0 (1,1)·(2,2) = 1;                  image 1 (3,4)·(4,3) = 24/25 → φ = (1 + 0.96)/2 = 0.98
    const double Phi0Ch0 = 0.85355339, Phi0Ch1 = 0.98;

    [Fact]
    public void Reference_pass_freezes_nothing()
    {
        var c = new EquilibriumController([Conv], 2, new EquilibriumOptions(Eps: 0.05));
        var u = Pass(c, Ref);
        Assert.True(u.IsReference);
        Assert.Equal(-1, u.Epoch);
        Assert.Equal(new[] { 1.0, 1.0 }, u.Layers[0].Phi);
        Assert.Equal(0, u.FrozenCount);
        Assert.True(c.HasReference);
        Assert.Equal(0, c.EpochsObserved);
    }

    [Fact]
    public void Phi_is_the_mean_per_image_cosine()
    {
        var c = new EquilibriumController([Conv], 2, new EquilibriumOptions(Eps: 0.05, Precision: ActivationPrecision.Single));
        Pass(c, Ref);
        var u = Pass(c, Epoch0);
        Assert.Equal(0, u.Epoch);
        var l = u.Layers[0];
        Assert.Equal(Phi0Ch0, l.Phi[0], 1e-6);
        Assert.Equal(Phi0Ch1, l.Phi[1], 1e-6);
        // Δφ_0 = φ_0 − 1; v_0 = Δφ_0 under both rules.
        Assert.Equal(Phi0Ch0 - 1, l.DeltaPhi[0], 1e-6);
        Assert.Equal(-0.02, l.Velocity[1], 1e-6);
        // ε = 0.05: channel 1 (|v| = 0.02) is at equilibrium, channel 0 (|v| = 0.146) is not.
        Assert.Equal(new[] { false, true }, l.Frozen);
        Assert.Equal(new[] { false, true }, c.Frozen(0).ToArray());
        var mask = new float[2];
        l.WriteTrainableMask(mask);
        Assert.Equal(new[] { 1f, 0f }, mask);
    }

    // Epochs 1 and 2 repeat epoch 0's activations, so φ_1 = φ_2 = 1:
    //   Δφ_1 = 1 − φ_0 = (0.14644661, 0.02);  Δφ_2 = (0, 0)
    //   v_1 (both rules) = (0.14644661 + 0.5·0.14644661, 0.02 + 0.5·0.02) = (0.21966991, 0.03)
    //   paper v_2 = 0 − 0.5·v_1 = (−0.10983496, −0.015)
    //   code  v_2 = 0.5·v_1 + 0 − Δφ_1 = (0.10983496 − 0.14644661, 0.015 − 0.02) = (−0.03661165, −0.005)
    // With ε = 0.05 the rules part at epoch 2: the code freezes channel 0, the paper does not.
    [Theory]
    [InlineData(VelocityRule.Paper, -0.10983496, -0.015, false)]
    [InlineData(VelocityRule.ReferenceCode, -0.03661165, -0.005, true)]
    public void Velocity_rules_part_at_the_third_epoch(VelocityRule rule, double v2Ch0, double v2Ch1, bool ch0Frozen)
    {
        var c = new EquilibriumController([Conv], 2, new EquilibriumOptions(Eps: 0.05, VelocityRule: rule, Precision: ActivationPrecision.Single));
        Pass(c, Ref);
        Pass(c, Epoch0);
        var u1 = Pass(c, Epoch0).Layers[0];
        Assert.Equal(0.21966991, u1.Velocity[0], 1e-6);
        Assert.Equal(0.03, u1.Velocity[1], 1e-6);
        Assert.Equal(new[] { false, true }, u1.Frozen);
        var u2 = Pass(c, Epoch0).Layers[0];
        Assert.Equal(new[] { 1.0, 1.0 }, u2.Phi);
        Assert.Equal(v2Ch0, u2.Velocity[0], 1e-6);
        Assert.Equal(v2Ch1, u2.Velocity[1], 1e-6);
        Assert.Equal(new[] { ch0Frozen, true }, u2.Frozen);
        Assert.Equal(3, c.EpochsObserved);
    }

    // C = 1, P = 2, V = 1: unchanged after epoch 0 (cos 1, v_0 = 0: frozen), then turned by 90° in
    // epoch 1 (cos 0: φ_1 = 0, Δφ_1 = −1, v_1 = −1: moving again).
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Frozen_neurons_come_back_unless_pinned(bool pinning, bool frozenAfterEpoch1)
    {
        var layer = new EquilibriumLayer("bn", 1, 2);
        var c = new EquilibriumController([layer], 1, new EquilibriumOptions(Pinning: pinning));
        Pass(c, [1, 0]);
        Assert.True(Pass(c, [1, 0]).Layers[0].Frozen[0]);
        var u = Pass(c, [0, 1]).Layers[0];
        Assert.Equal(0, u.Phi[0], 1e-9);
        Assert.Equal(-1, u.Velocity[0], 1e-9);
        Assert.Equal(frozenAfterEpoch1, u.Frozen[0]);
    }

    // A dead channel (all zeros, both epochs): cosine 1 by policy, φ_0 = 1, Δφ_0 = 0, v_0 = 0.
    [Theory]
    [InlineData(VelocityRule.Paper, 0.001, true)]
    [InlineData(VelocityRule.Paper, 0.0, false)]          // |0| < 0 is false
    [InlineData(VelocityRule.ReferenceCode, 0.0, true)]   // |0| ≤ 0 is true
    public void Dead_neurons_freeze_after_the_first_epoch(VelocityRule rule, double eps, bool frozen)
    {
        var layer = new EquilibriumLayer("conv", 2, 3);
        var c = new EquilibriumController([layer], 1, new EquilibriumOptions(Eps: eps, VelocityRule: rule));
        Pass(c, [0, 0, 0, 1, 2, 3]);
        var u = Pass(c, [0, 0, 0, 3, 1, 2]).Layers[0];
        Assert.Equal(1.0, u.Phi[0]);
        Assert.Equal(0.0, u.Velocity[0]);
        Assert.Equal(frozen, u.Frozen[0]);
        // Channel 1 rotated: (1,2,3)·(3,1,2) = 11 over 14 → not at equilibrium.
        Assert.Equal(11.0 / 14, u.Phi[1], 1e-6);
        Assert.False(u.Frozen[1]);
    }

    [Fact]
    public void NaN_activations_count_as_dissimilar()
    {
        // C = 1, P = 2, V = 2. Epoch 0: image 0 has a NaN (cos 0), image 1 unchanged (cos 1): φ = 0.5.
        // Epoch 1: clean again, but compared with the stored NaN for image 0: cos 0 again, φ = 0.5.
        var layer = new EquilibriumLayer("conv", 1, 2);
        var c = new EquilibriumController([layer], 2, new EquilibriumOptions(Precision: ActivationPrecision.Single));
        Pass(c, [1, 2, 3, 4]);
        var u0 = Pass(c, [float.NaN, 2, 3, 4]).Layers[0];
        Assert.Equal(0.5, u0.Phi[0], 1e-9);
        Assert.False(u0.Frozen[0]);
        var u1 = Pass(c, [1, 2, 3, 4]).Layers[0];
        Assert.Equal(0.5, u1.Phi[0], 1e-9);
        Assert.True(double.IsFinite(u1.Velocity[0]));
    }

    [Fact]
    public void Layers_with_one_value_per_image_take_the_cosine_across_images()
    {
        // C = 3, P = 1, V = 3; values listed image by image (ch0, ch1, ch2).
        // ch0: (1,2,3) → (3,2,1): 10/14 = 0.71428571 (a per-image cosine would say 1: all signs agree)
        // ch1: (0,0,0) → (0,0,0): both all-zero, 1
        // ch2: (1,−1,0) → (−1,1,0): −1
        var layer = new EquilibriumLayer("fc", 3, 1);
        var c = new EquilibriumController([layer], 3, new EquilibriumOptions(Precision: ActivationPrecision.Single));
        Pass(c, [1, 0, 1, 2, 0, -1, 3, 0, 0]);
        // Fed in two batches: images 0–1, then image 2.
        c.Observe(0, 0, [3f, 0, -1, 2, 0, 1]);
        c.Observe(0, 2, [1f, 0, 0]);
        var u = c.CompletePass().Layers[0];
        Assert.Equal(10.0 / 14, u.Phi[0], 1e-6);
        Assert.Equal(1.0, u.Phi[1]);
        Assert.Equal(-1.0, u.Phi[2], 1e-6);
        Assert.Equal(new[] { false, true, false }, u.Frozen); // ch1: v = 0
    }

    [Fact]
    public void Half_storage_and_half_input_agree_with_single()
    {
        var layers = new[] { new EquilibriumLayer("a", 4, 9), new EquilibriumLayer("b", 3, 1) };
        var rng = new Random(11);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 1)).ToArray();
        var passes = Enumerable.Range(0, 3).Select(_ => new[] { Random(5 * 36), Random(5 * 3) }).ToArray();
        var single = new EquilibriumController(layers, 5, new EquilibriumOptions(Precision: ActivationPrecision.Single));
        var half = new EquilibriumController(layers, 5, new EquilibriumOptions());
        var halfIn = new EquilibriumController(layers, 5, new EquilibriumOptions());
        foreach (var pass in passes)
        {
            // Round inputs to half first so the half-input path sees the same values.
            var rounded = pass.Select(a => a.Select(x => (float)(Half)x).ToArray()).ToArray();
            var s = Pass(single, rounded);
            var h = Pass(half, rounded);
            for (var l = 0; l < 2; l++) halfIn.Observe(l, 0, rounded[l].Select(x => (Half)x).ToArray().AsSpan());
            var hi = halfIn.CompletePass();
            for (var l = 0; l < 2; l++)
            {
                // Values already representable in half: storing them in half loses nothing.
                Assert.Equal(s.Layers[l].Phi, h.Layers[l].Phi);
                Assert.Equal(s.Layers[l].Phi, hi.Layers[l].Phi);
            }
        }
    }

    [Fact]
    public void Half_storage_clamps_values_beyond_its_range()
    {
        // 1e5 overflows half; stored as 65,504 the next cosine is still 1 for (1e5, 1e5) → (1e5, 1e5).
        var c = new EquilibriumController([new EquilibriumLayer("x", 1, 2)], 1, new EquilibriumOptions());
        Pass(c, [1e5f, 1e5f]);
        Assert.Equal(1.0, Pass(c, [1e5f, 1e5f]).Layers[0].Phi[0], 1e-6);
    }

    [Fact]
    public void Feeding_errors_are_explained()
    {
        var c = new EquilibriumController([Conv], 2, new EquilibriumOptions());
        c.Observe(0, 0, Ref.AsSpan(0, 4));
        var e = Assert.Throws<InvalidOperationException>(() => c.Observe(0, 0, Ref.AsSpan(0, 4)));
        Assert.Contains("expected the activations of validation image 1, got image 0", e.Message);
        Assert.Throws<ArgumentException>(() => c.Observe(0, 1, Ref.AsSpan(0, 3)));
        Assert.Throws<ArgumentException>(() => c.Observe(0, 1, Ref));
        Assert.Contains("received 1 of the 2 validation images", Assert.Throws<InvalidOperationException>(c.CompletePass).Message);
        Assert.Throws<InvalidOperationException>(c.CaptureState);
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Observe(1, 0, Ref));
        Assert.Equal(0, c.IndexOf("conv"));
        Assert.Throws<KeyNotFoundException>(() => c.IndexOf("fc"));
    }

    [Fact]
    public void Construction_checks_its_inputs()
    {
        Assert.Contains("--val-size", Assert.Throws<ArgumentException>(() => new EquilibriumController([Conv], 0, new EquilibriumOptions())).Message);
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => new EquilibriumController([Conv, Conv], 1, new EquilibriumOptions())).Message);
        Assert.Throws<ArgumentException>(() => new EquilibriumController([new EquilibriumLayer("z", 0, 4)], 1, new EquilibriumOptions()));
        Assert.Contains("--velocity-mu", Assert.Throws<ArgumentException>(() => new EquilibriumController([Conv], 1, new EquilibriumOptions(VelocityMu: 0.9))).Message);
    }

    [Theory]
    [InlineData(ActivationPrecision.Half, ActivationPrecision.Half)]
    [InlineData(ActivationPrecision.Single, ActivationPrecision.Single)]
    [InlineData(ActivationPrecision.Half, ActivationPrecision.Single)]
    [InlineData(ActivationPrecision.Single, ActivationPrecision.Half)]
    public void State_round_trips_through_bytes(ActivationPrecision saved, ActivationPrecision resumed)
    {
        var options = new EquilibriumOptions(Eps: 0.05, Pinning: true, Precision: saved);
        var a = new EquilibriumController([Conv, new EquilibriumLayer("fc", 2, 1)], 2, options);
        float[] fcRef = [1, 2, 3, 4], fc0 = [1, 2, 4, 3];
        Pass(a, Ref, fcRef);
        Pass(a, Epoch0, fc0);
        var bytes = a.CaptureState().ToBytes();
        var b = EquilibriumController.Restore(EquilibriumState.FromBytes(bytes, "state.bin"), options with { Precision = resumed });
        Assert.True(b.HasReference);
        Assert.Equal(1, b.EpochsObserved);
        Assert.Equal(a.Frozen(0).ToArray(), b.Frozen(0).ToArray());
        // The next epoch gives the same result from the original and from the restored controller
        // (all values here are exact in half precision).
        var ua = Pass(a, Ref, fcRef);
        var ub = Pass(b, Ref, fcRef);
        Assert.Equal(1, ub.Epoch);
        for (var l = 0; l < 2; l++)
        {
            Assert.Equal(ua.Layers[l].Phi, ub.Layers[l].Phi);
            Assert.Equal(ua.Layers[l].DeltaPhi, ub.Layers[l].DeltaPhi);
            Assert.Equal(ua.Layers[l].Velocity, ub.Layers[l].Velocity);
            Assert.Equal(ua.Layers[l].Frozen, ub.Layers[l].Frozen);
        }
    }

    [Fact]
    public void State_before_the_reference_and_damaged_states()
    {
        var c = new EquilibriumController([Conv], 2, new EquilibriumOptions());
        var state = c.CaptureState();
        Assert.False(state.HasReference);
        Assert.Empty(state.Layers[0].PreviousActivations);
        var restored = EquilibriumController.Restore(EquilibriumState.FromBytes(state.ToBytes(), "s"), new EquilibriumOptions());
        Assert.True(Pass(restored, Ref).IsReference);

        Pass(c, Ref);
        var bytes = c.CaptureState().ToBytes();
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => EquilibriumState.FromBytes(bytes[..^3], "ckpt/neq.bin")).Message);
        bytes[0] = (byte)'X';
        Assert.Equal("ckpt/neq.bin: not an NEq equilibrium state.", Assert.Throws<InvalidDataException>(() => EquilibriumState.FromBytes(bytes, "ckpt/neq.bin")).Message);
    }

    [Theory]
    [InlineData(ActivationPrecision.Half, 2)]
    [InlineData(ActivationPrecision.Single, 4)]
    public void Memory_reported_is_what_is_held(ActivationPrecision precision, int bytesPerValue)
    {
        // (3 channels × 4 positions + 5 channels × 1) values per image × 7 images × element size.
        var layers = new[] { new EquilibriumLayer("a", 3, 4), new EquilibriumLayer("b", 5, 1) };
        var expected = (3 * 4 + 5) * 7 * bytesPerValue;
        Assert.Equal(expected, EquilibriumController.ActivationBytesFor(layers, 7, precision));
        var c = new EquilibriumController(layers, 7, new EquilibriumOptions(Precision: precision));
        Assert.Equal(expected, c.ActivationBytes);
        Pass(c, new float[7 * 12], new float[7 * 5]);
        Assert.Equal(expected, c.CaptureState().Layers.Sum(l => l.PreviousActivations.Length));
    }

    [Fact]
    public void ResNet32_holds_six_hundred_megabytes_for_five_hundred_images()
    {
        // Σ C·H·W over conv and BN outputs: 2 × (16·1024 + 10·16·1024 + 10·32·256 + 10·64·64) = 606,208.
        Assert.Equal(606_208, CifarResNet32.Layers.Sum(l => l.ValuesPerImage));
        Assert.Equal(606_208_000L, EquilibriumController.ActivationBytesFor(CifarResNet32.Layers, 500, ActivationPrecision.Half));
    }
}
