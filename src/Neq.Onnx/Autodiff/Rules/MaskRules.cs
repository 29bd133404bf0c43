using Neq.Onnx.Graphs;
using Neq.Onnx.Neurons;

namespace Neq.Onnx.Autodiff.Rules;

// NEq's mask gate. Shape legend: P is a parameter of rank r whose axis `axis` indexes the layer's
// C channels; mask is [C] of 0/1; G (the incoming gradient) has P's shape.

/// <summary>Gradient rules of the project's mask operators (<see cref="MaskGate"/>).</summary>
static class MaskRules
{
    /// <summary>
    /// P_gated = P (forward identity): dP = G · mask, the mask reshaped to 1 on every axis but
    /// <c>axis</c> so that channel c's slice of P is scaled by mask[c]; no gradient for the mask.
    /// </summary>
    public static Grad?[] MaskGate(GradContext c) => c.Result(() =>
    {
        int rank = c.Rank(c.I(0));
        long axis = c.Node.GetInt(Neurons.MaskGate.AxisAttribute, 0);
        if (axis < 0) axis += rank;
        var mask = c.ElemType(c.I(1)) == c.ElemType(c.I(0)) ? c.I(1) : c.Cast(c.I(1), c.ElemType(c.I(0)));
        if (rank > 1)
        {
            var shape = Enumerable.Repeat(1L, rank).ToArray();
            shape[axis] = -1;
            mask = c.Reshape(mask, shape);
        }
        return c.Mul(c.G, mask);
    });
}
