using Neq.Onnx.Graphs;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// SGD with momentum, Nesterov momentum and L2 weight decay, masked per row as the NEq authors'
/// <c>MaskedSGD</c> (docs/neq-reference.md, "What freezing does to a neuron's parameters"). Per
/// parameter p with gradient g, mask m (1 = trainable), momentum μ, decay λ and learning rate η:
/// <code>
/// d   = (g + λ·p) · m
/// buf = (μ·buf + d) · m          (only when μ ≠ 0; buf starts at 0, so step 1 gives buf = d as PyTorch)
/// d'  = d + μ·buf   (Nesterov)   or   buf   (μ ≠ 0)   or   d   (μ = 0)
/// p'  = p − η·d'
/// </code>
/// A frozen row gets no gradient, no decay and no momentum, and its momentum restarts from zero
/// when it thaws. (The authors' code leaves the Nesterov buffer of a frozen row unmasked; here it is
/// zeroed as for plain momentum, as the reference text says.)
/// </summary>
public sealed class SgdOptimizer : IOptimizer
{
    /// <summary>Creates the rule; use <see cref="OptimizerOptions.Create"/>.</summary>
    public SgdOptimizer(OptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kind != OptimizerKind.Sgd) throw new ArgumentException($"SgdOptimizer cannot apply {options.Kind}.", nameof(options));
        options.Validate();
        Options = options;
    }

    /// <inheritdoc />
    public OptimizerOptions Options { get; }

    /// <inheritdoc />
    public IReadOnlyList<OptimizerStateTensor> State(IReadOnlyList<ParameterSlot> parameters) =>
        Options.Momentum == 0 ? []
        : parameters.Select(p => new OptimizerStateTensor(TrainingNames.Momentum(p.Name), p.Type, p.Name)).ToArray();

    /// <inheritdoc />
    public void Append(GraphBuilder graph, long opset, IReadOnlyList<ParameterSlot> parameters)
    {
        var k = new ConstantPool(graph, "sgd");
        double mu = Options.Momentum, wd = Options.WeightDecay;
        foreach (var p in parameters)
        {
            var e = new Emitter(graph, opset, p.Name + "/sgd");
            var d = p.Gradient;
            if (wd != 0) d = e.Add(d, e.Mul(k.Float(wd), p.Name));
            if (p.Mask is { } m) d = e.Mul(d, m);
            var step = d;
            if (mu != 0)
            {
                var state = TrainingNames.Momentum(p.Name);
                var bufOut = TrainingNames.Output(state);
                var decayed = e.Mul(k.Float(mu), state);
                var buf = p.Mask is { } m2
                    ? e.OpTo(bufOut, "Mul", [e.Add(decayed, d), m2])
                    : e.OpTo(bufOut, "Add", [decayed, d]);
                step = Options.Nesterov ? e.Add(d, e.Mul(k.Float(mu), buf)) : buf;
            }
            e.OpTo(TrainingNames.Output(p.Name), "Sub", [p.Name, e.Mul(TrainingNames.LearningRate, step)]);
        }
    }
}
