using Neq.Onnx.Graphs;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// Adam and AdamW, masked per row as the NEq authors' <c>MaskedAdam</c> (docs/neq-reference.md,
/// "What freezing does to a neuron's parameters"). With gradient g, mask m (1 = trainable), decay λ,
/// learning rate η and the shared step counter t (advanced for every parameter, frozen or not):
/// <code>
/// g  = (g + λ·p) · m                       (AdamW: g · m, no L2 term)
/// m1 = (β1·m1 + (1 − β1)·g) · m            first moment; a frozen row's is 0
/// v  = β2·v + (1 − β2)·g²                  second moment; a frozen row's keeps decaying
/// t  = t + 1
/// p' = p − (η / (1 − β1^t)) · m1 / (√v / √(1 − β2^t) + ε)
/// AdamW: p' = p·(1 − η·λ·m) − (same step)  decoupled decay on trainable rows only
/// </code>
/// The bias corrections are computed in float64 from the float32 step, as PyTorch computes them in
/// Python floats: in float32, 1 − β2 would already be off by 1e-5 relative.
/// </summary>
public sealed class AdamOptimizer : IOptimizer
{
    /// <summary>Creates the rule; use <see cref="OptimizerOptions.Create"/>.</summary>
    public AdamOptimizer(OptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kind is not (OptimizerKind.Adam or OptimizerKind.AdamW))
            throw new ArgumentException($"AdamOptimizer cannot apply {options.Kind}.", nameof(options));
        options.Validate();
        Options = options;
    }

    /// <inheritdoc />
    public OptimizerOptions Options { get; }

    bool Decoupled => Options.Kind == OptimizerKind.AdamW;

    /// <inheritdoc />
    public IReadOnlyList<OptimizerStateTensor> State(IReadOnlyList<ParameterSlot> parameters)
    {
        var state = new List<OptimizerStateTensor>();
        foreach (var p in parameters)
        {
            state.Add(new(TrainingNames.AdamFirstMoment(p.Name), p.Type, p.Name));
            state.Add(new(TrainingNames.AdamSecondMoment(p.Name), p.Type, p.Name));
        }
        state.Add(new(TrainingNames.AdamStep, TensorType.Of(DataType.Float), null));
        return state;
    }

    /// <inheritdoc />
    public void Append(GraphBuilder graph, long opset, IReadOnlyList<ParameterSlot> parameters)
    {
        var o = Options;
        var k = new ConstantPool(graph, "adam");
        var lr = TrainingNames.LearningRate;

        // Shared scalars: t, the bias corrections, η/(1 − β1^t), √(1 − β2^t), η·λ.
        var s = new Emitter(graph, opset, "adam");
        var t = s.OpTo(TrainingNames.Output(TrainingNames.AdamStep), "Add", [TrainingNames.AdamStep, k.Float(1)]);
        var t64 = s.Cast(t, DataType.Double);
        var bc1 = s.Sub(k.Double(1), s.Op("Pow", [k.Double(o.Beta1), t64]));
        var bc2 = s.Sub(k.Double(1), s.Op("Pow", [k.Double(o.Beta2), t64]));
        var stepSize = s.Cast(s.Div(s.Cast(lr, DataType.Double), bc1), DataType.Float);
        var sqrtBc2 = s.Cast(s.Sqrt(bc2), DataType.Float);
        var lrDecay = Decoupled && o.WeightDecay != 0 ? s.Mul(lr, k.Float(o.WeightDecay)) : null;
        var unmaskedKeep = lrDecay is null ? null : s.Sub(k.Float(1), lrDecay);

        foreach (var p in parameters)
        {
            var e = new Emitter(graph, opset, p.Name + (Decoupled ? "/adamw" : "/adam"));
            var m1In = TrainingNames.AdamFirstMoment(p.Name);
            var vIn = TrainingNames.AdamSecondMoment(p.Name);

            var g = p.Gradient;
            if (!Decoupled && o.WeightDecay != 0) g = e.Add(g, e.Mul(k.Float(o.WeightDecay), p.Name));
            if (p.Mask is { } mask) g = e.Mul(g, mask);

            string[] m1Terms = [e.Mul(k.Float(o.Beta1), m1In), e.Mul(k.Float(1 - o.Beta1), g)];
            var m1 = p.Mask is { } mask1
                ? e.OpTo(TrainingNames.Output(m1In), "Mul", [e.Add(m1Terms[0], m1Terms[1]), mask1])
                : e.OpTo(TrainingNames.Output(m1In), "Add", m1Terms);
            var v = e.OpTo(TrainingNames.Output(vIn), "Add", [e.Mul(k.Float(o.Beta2), vIn), e.Mul(k.Float(1 - o.Beta2), e.Mul(g, g))]);

            var denom = e.Add(e.Div(e.Sqrt(v), sqrtBc2), k.Float(o.Epsilon));
            var update = e.Mul(stepSize, e.Div(m1, denom));

            var kept = p.Name;
            if (lrDecay is not null)
            {
                // 1 − η·λ·m is exactly 1 on a frozen row, so p·1 leaves it bit-identical.
                var keep = p.Mask is { } mask2 ? e.Sub(k.Float(1), e.Mul(lrDecay, mask2)) : unmaskedKeep!;
                kept = e.Mul(p.Name, keep);
            }
            e.OpTo(TrainingNames.Output(p.Name), "Sub", [kept, update]);
        }
    }
}
