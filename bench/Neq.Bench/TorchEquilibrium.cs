using Neq.Onnx.Artifacts;
using Neq.Onnx.Equilibrium;
using TorchSharp;
using static TorchSharp.torch;

namespace Neq.Bench;

/// <summary>
/// NEq in the peer, as the authors' code does it in PyTorch: a forward hook on every masked layer
/// (each Conv2d's output before BN, each BatchNorm2d's output before ReLU — the layers our
/// manifest masks, matched by module name) takes the layer's output during the eval-mode
/// validation pass and compares it, image by image and channel by channel, with the same image's
/// output from the previous pass (stored in float16, compared in float32): the cosine over the
/// channel's H·W values, with NEq's policy for zero vectors (both zero → 1, one zero → 0,
/// non-finite → 0); φ is its mean over the validation images. The tensor work runs in libtorch;
/// the per-channel recurrences (Δφ, velocity with μ, |v| &lt; ε) are the project's
/// <see cref="EquilibriumMath"/> on a few thousand numbers, so both sides decide by the same rule.
/// The masks it keeps (1 = trains) are what <see cref="MaskedSgd"/> reads.
/// </summary>
sealed class TorchEquilibrium : IDisposable
{
    /// <summary>One masked layer's running state.</summary>
    sealed class Layer(int index, string name, int channels, int positions, int images)
    {
        public int Index { get; } = index;
        public string Name { get; } = name;
        public int Channels { get; } = channels;
        public int Positions { get; } = positions;
        public Tensor Previous { get; } = torch.zeros([images, channels, positions], ScalarType.Float16);
        public Tensor Mask { get; } = torch.ones(channels);
        public double[] CosineSum { get; } = new double[channels];
        public double[] Dot { get; } = new double[channels];
        public double[] NormA { get; } = new double[channels];
        public double[] NormB { get; } = new double[channels];
        public double[] Phi { get; } = Enumerable.Repeat(1.0, channels).ToArray();
        public double[] DeltaPhi { get; } = new double[channels];
        public double[] Velocity { get; } = new double[channels];
        public bool[] Frozen { get; } = new bool[channels];
        public int NextImage { get; set; }
    }

    readonly Layer[] _layers;
    readonly List<Action> _unhook = [];
    readonly int _images;
    readonly EquilibriumOptions _options;
    readonly EquilibriumController? _shadow;
    bool _capturing, _hasReference;

    /// <summary>
    /// Hooks <paramref name="model"/>'s layers named by <paramref name="manifest"/>'s masks, for
    /// <paramref name="images"/> validation images. With <paramref name="check"/> every output is
    /// also fed to the project's <see cref="EquilibriumController"/> (ours' code) and each pass
    /// reports how far the two disagree (<see cref="LastCheck"/>): a check of the peer, not timed work.
    /// </summary>
    public TorchEquilibrium(TorchResNet model, ArtifactManifest manifest, int images, EquilibriumOptions options, bool check = false)
    {
        (_images, _options) = (images, options);
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        _layers = new Layer[manifest.Masks.Count];
        for (int i = 0; i < _layers.Length; i++)
        {
            var mask = manifest.Masks[i];
            var activation = manifest.Activations.Single(a => a.Name == mask.Activation);
            var positions = (int)activation.Shape.Skip(activation.ChannelAxis + 1).Aggregate(1L, (p, d) => p * d);
            var layer = _layers[i] = new Layer(i, mask.Layer, mask.Channels, positions, images);
            if (!modules.TryGetValue(mask.Layer, out var module) || module is not nn.Module<Tensor, Tensor> hooked)
                throw new InvalidOperationException($"The libtorch model has no module '{mask.Layer}' for the manifest's mask '{mask.Name}': the two networks differ.");
            var hook = hooked.register_forward_hook((_, _, output) =>
            {
                if (_capturing) Observe(layer, output);
                return output;
            });
            _unhook.Add(hook.remove);
        }
        if (check) _shadow = new EquilibriumController(_layers.Select(l => new EquilibriumLayer(l.Name, l.Channels, l.Positions)).ToList(), images, options);
        if (manifest.Masks.SelectMany(m => m.Parameters).FirstOrDefault(g => g.Axis != 0) is { } other)
            throw new InvalidOperationException($"The mask of '{other.Parameter}' gates axis {other.Axis}; the peer masks rows (axis 0) only.");
        MaskByParameter = _layers
            .SelectMany((l, i) => manifest.Masks[i].Parameters.Select(g => (g.Parameter, l.Mask)))
            .ToDictionary(p => p.Parameter, p => p.Mask, StringComparer.Ordinal);
    }

    /// <summary>
    /// Each gated parameter's row mask (by parameter name): the layer's [C] mask, which
    /// <see cref="MaskedSgd"/> reshapes to broadcast over the parameter's rows.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> MaskByParameter { get; }

    /// <summary>With the check on: the last pass's largest |φ_peer − φ_ours| and the neurons whose frozen state differs.</summary>
    public (double MaxPhiDifference, int FrozenDisagreements)? LastCheck { get; private set; }

    /// <summary>Neurons (masked channels) in all.</summary>
    public int Neurons => _layers.Sum(l => l.Channels);

    /// <summary>Starts a validation pass: the hooks record (and, after the reference pass, compare) every layer's output.</summary>
    public void BeginPass()
    {
        foreach (var l in _layers)
        {
            l.NextImage = 0;
            Array.Clear(l.CosineSum);
            Array.Clear(l.Dot);
            Array.Clear(l.NormA);
            Array.Clear(l.NormB);
        }
        _capturing = true;
    }

    /// <summary>
    /// Ends the pass: after the reference pass nothing is frozen; after a training epoch φ, Δφ, v and
    /// the frozen set for the next epoch, written into the masks. Returns the neurons frozen.
    /// </summary>
    public int CompletePass()
    {
        _capturing = false;
        var shadow = _shadow?.CompletePass();
        int frozenCount = 0;
        double maxPhi = 0;
        int disagree = 0;
        foreach (var l in _layers)
        {
            if (l.NextImage != _images)
                throw new InvalidOperationException($"Layer '{l.Name}' saw {l.NextImage} of the {_images} validation images in this pass.");
            if (!_hasReference) continue;
            var phi = new double[l.Channels];
            for (int c = 0; c < phi.Length; c++)
                phi[c] = l.Positions == 1 ? Neq.Onnx.Equilibrium.Similarity.FromSums(l.Dot[c], l.NormA[c], l.NormB[c]) : l.CosineSum[c] / _images;
            var deltaPhi = new double[l.Channels];
            var velocity = new double[l.Channels];
            var frozen = new bool[l.Channels];
            EquilibriumMath.Variation(phi, l.Phi, deltaPhi);
            EquilibriumMath.Velocity(_options.VelocityRule, _options.VelocityMu, deltaPhi, l.DeltaPhi, l.Velocity, velocity);
            frozenCount += EquilibriumMath.Freeze(velocity, _options.Eps, _options.VelocityRule, _options.Pinning, l.Frozen, frozen);
            phi.CopyTo(l.Phi, 0);
            deltaPhi.CopyTo(l.DeltaPhi, 0);
            velocity.CopyTo(l.Velocity, 0);
            frozen.CopyTo(l.Frozen, 0);
            if (shadow is not null)
            {
                var theirs = shadow.Layers[l.Index];
                for (int c = 0; c < l.Channels; c++)
                {
                    maxPhi = Math.Max(maxPhi, Math.Abs(phi[c] - theirs.Phi[c]));
                    if (frozen[c] != theirs.Frozen[c]) disagree++;
                }
            }
            using var trains = torch.tensor(frozen.Select(f => f ? 0f : 1f).ToArray());
            l.Mask.copy_(trains);
        }
        if (shadow is not null && _hasReference) LastCheck = (maxPhi, disagree);
        _hasReference = true;
        return frozenCount;
    }

    /// <summary>One layer's output for the next images of the pass, [n, C, H, W].</summary>
    void Observe(Layer l, Tensor output)
    {
        using var scope = torch.NewDisposeScope();
        long n = output.shape[0];
        var current = output.detach().reshape(n, l.Channels, l.Positions);
        _shadow?.Observe(l.Index, l.NextImage, current.contiguous().data<float>().ToArray());
        var stored = l.Previous.narrow(0, l.NextImage, n);
        if (_hasReference)
        {
            var previous = stored.to_type(ScalarType.Float32);
            var dot = (current * previous).sum(-1);
            var normA = current.square().sum(-1);
            var normB = previous.square().sum(-1);
            if (l.Positions == 1)
            {
                // One value per image: the cosine runs across the validation images, so keep its sums.
                Add(l.Dot, dot.sum(dim: 0));
                Add(l.NormA, normA.sum(dim: 0));
                Add(l.NormB, normB.sum(dim: 0));
            }
            else
            {
                var zeroA = normA.eq(0);
                var zeroB = normB.eq(0);
                var cosine = (dot / (normA.sqrt() * normB.sqrt())).nan_to_num(0, 0, 0).clamp(-1, 1);
                cosine = torch.where(zeroA.logical_and(zeroB), 1f, torch.where(zeroA.logical_or(zeroB), 0f, cosine));
                Add(l.CosineSum, cosine.to_type(ScalarType.Float64).sum(dim: 0));
            }
        }
        // Half overflows past ±65,504: keep the largest finite half rather than ±∞, as ours does.
        stored.copy_(current.clamp(-65504, 65504).to_type(ScalarType.Float16));
        l.NextImage += (int)n;
    }

    static void Add(double[] sums, Tensor perChannel)
    {
        var values = perChannel.to_type(ScalarType.Float64).data<double>().ToArray();
        for (int c = 0; c < sums.Length; c++) sums[c] += values[c];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var remove in _unhook) remove();
        foreach (var l in _layers)
        {
            l.Previous.Dispose();
            l.Mask.Dispose();
        }
    }
}
