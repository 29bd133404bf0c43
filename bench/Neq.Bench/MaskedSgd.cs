using TorchSharp;
using static TorchSharp.torch;

namespace Neq.Bench;

/// <summary>
/// The peer's optimizer: SGD with momentum and L2 weight decay, masked per output row as the NEq
/// authors' <c>MaskedSGD</c> (a torch optimizer written over torch tensors) and as our train.onnx
/// (SgdOptimizer): d = (g + λ·p)·m; buf = (μ·buf + d)·m; p −= η·buf. With every mask 1 it is
/// <c>torch.optim.SGD</c> (dampening 0, no Nesterov; buf starts at 0, so step 1 gives buf = d).
/// A frozen row gets no gradient, no decay and no momentum: zeroing its gradient alone would
/// still let decay and momentum move it.
/// </summary>
sealed class MaskedSgd : IDisposable
{
    readonly (Tensor Param, Tensor Buffer, Tensor? Mask)[] _slots;
    readonly double _lr, _momentum, _weightDecay;

    /// <summary>
    /// SGD over <paramref name="parameters"/> by name; <paramref name="masks"/> maps a parameter name to its
    /// row mask, shaped to broadcast over the parameter ([C] or [C,1,1,1]), 1 = trains; unmasked parameters always train.
    /// </summary>
    public MaskedSgd(IEnumerable<(string Name, Tensor Param)> parameters, IReadOnlyDictionary<string, Tensor> masks,
        double lr, double momentum, double weightDecay)
    {
        // A view of the layer's [C] mask shaped [C,1,…] over the parameter's rows: the masks change in place each epoch.
        _slots = parameters.Select(p => (p.Param, torch.zeros_like(p.Param),
            masks.TryGetValue(p.Name, out var m) ? m.reshape([m.shape[0], .. Enumerable.Repeat(1L, (int)p.Param.dim() - 1)]) : null)).ToArray();
        (_lr, _momentum, _weightDecay) = (lr, momentum, weightDecay);
    }

    /// <summary>One update from the parameters' gradients (call after backward).</summary>
    public void Step()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var (p, buf, mask) in _slots)
        {
            var d = p.grad!.add(p, alpha: _weightDecay);
            if (mask is not null) d.mul_(mask);
            buf.mul_(_momentum).add_(d);
            if (mask is not null) buf.mul_(mask);
            p.add_(buf, alpha: -_lr);
        }
    }

    /// <summary>Clears the gradients before the next backward.</summary>
    public void ZeroGrad()
    {
        foreach (var (p, _, _) in _slots) p.grad?.zero_();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, buf, _) in _slots) buf.Dispose();
    }
}
