using Neq.Onnx.Graphs;
using Neq.Onnx.Operators;

namespace Neq.Onnx.Autodiff.Rules;

// Batch normalization. Shape legend: X, Y, G [N, C, …] (rank ≥ 2); scale γ, B β, mean μ, var σ²
// are per channel [C] and are unsqueezed to [1, C, 1, …] to broadcast; Σ sums over every axis
// but 1, M is the number of elements per channel; inv = 1/√(σ² + ε), x̂ = (X − μ)·inv.
//   inference (μ, σ² inputs): Y = γ·x̂ + β
//   training  (μ, σ² of the batch): the same Y, but μ and σ² depend on X, which gives
//     dX = γ·inv·(G − (Σ G)/M − x̂·(Σ G·x̂)/M)          (Ioffe & Szegedy 2015, §3)
// Running statistics updated in training mode are bookkeeping: no gradient flows through them.

/// <summary>
/// Gradient rules of BatchNormalization, and the training-mode gradient that
/// ai.neq::BatchNormTraining (Operators/BatchNormTraining.cs) shares.
/// </summary>
static class NormalizationRules
{
    /// <summary>
    /// Standard BatchNormalization: training mode (training_mode=1 from opset 14; below it, a
    /// node with the optional statistics outputs) recomputes the batch statistics; inference
    /// mode differentiates w.r.t. X, γ, β, μ and σ²:
    /// dX = G·γ·inv, dγ = Σ G·x̂, dβ = Σ G, dμ = −γ·inv·Σ G, dσ² = −½·γ·inv²·Σ G·x̂.
    /// </summary>
    public static Grad?[] BatchNormalization(GradContext c)
    {
        var x = c.I(0);
        int rank = c.Rank(x);
        if (c.Node.GetInt("spatial", 1) == 0)
            throw c.Error($"spatial=0 (per-activation statistics) has no gradient rule");
        bool training = c.Opset >= 14
            ? c.Node.GetInt("training_mode", 0) != 0
            : c.Node.Output.Skip(1).Any(o => o.Length > 0);
        RejectSavedStatisticsGradients(c);
        if (c.GO(0) is null) return c.None();
        var axes = ReducedAxes(rank);
        var eps = c.ScalarLike(c.Node.GetFloat("epsilon", BatchNormTraining.DefaultEpsilon), x);

        if (training)
        {
            var mean = c.ReduceMean(x, axes, keepDims: true);
            var centered = c.Sub(x, mean);
            var inv = c.Reciprocal(c.Sqrt(c.Add(c.ReduceMean(c.Mul(centered, centered), axes, keepDims: true), eps)));
            return TrainingGrad(c, c.Mul(centered, inv), inv, rank);
        }

        var invStd = c.Reciprocal(c.Sqrt(c.Add(c.I(4), eps)));          // [C]
        var gammaInv = c.Mul(c.I(1), invStd);                            // [C]
        string? sumG = null, sumGXhat = null;
        string SumG() => sumG ??= c.ReduceSum(c.G, axes, keepDims: false);
        string SumGXhat() => sumGXhat ??= c.ReduceSum(
            c.Mul(c.G, c.Mul(c.Sub(x, PerChannel(c, c.I(3), rank)), PerChannel(c, invStd, rank))), axes, keepDims: false);
        return c.Result(
            () => c.Mul(c.G, PerChannel(c, gammaInv, rank)),
            () => SumGXhat(),
            () => SumG(),
            () => c.Neg(c.Mul(SumG(), gammaInv)),
            () => c.Mul(c.Mul(c.Mul(gammaInv, invStd), SumGXhat()), c.ScalarLike(-0.5, x)));
    }

    /// <summary>
    /// The training-mode gradients given x̂ and inv (broadcastable to X):
    /// dβ = Σ G, dγ = Σ G·x̂, dX = γ·inv·(G − dβ/M − x̂·dγ/M); the running statistics get none.
    /// </summary>
    public static Grad?[] TrainingGrad(GradContext c, string xhat, string inv, int rank)
    {
        var axes = ReducedAxes(rank);
        string? dBeta = null, dGamma = null;
        string DBeta() => dBeta ??= c.ReduceSum(c.G, axes, keepDims: false);
        string DGamma() => dGamma ??= c.ReduceSum(c.Mul(c.G, xhat), axes, keepDims: false);
        return c.Result(
            () =>
            {
                var type = c.ElemType(c.I(0));
                var perChannel = c.Cast(c.Div(c.Op("Size", [c.I(0)]), c.Op("Size", [c.I(1)])), type); // M
                var meanG = PerChannel(c, c.Div(DBeta(), perChannel), rank);
                var meanGXhat = PerChannel(c, c.Div(DGamma(), perChannel), rank);
                var centered = c.Sub(c.Sub(c.G, meanG), c.Mul(xhat, meanGXhat));
                return c.Mul(c.Mul(PerChannel(c, c.I(1), rank), inv), centered);
            },
            () => DGamma(),
            () => DBeta());
    }

    /// <summary>
    /// Gradients may flow into Y only: outputs 1 and 2 (running statistics) are bookkeeping and
    /// get none; outputs 3 and 4 (saved statistics) exist for the backward pass, and a loss that
    /// reads them is not supported.
    /// </summary>
    public static void RejectSavedStatisticsGradients(GradContext c)
    {
        for (int i = 3; i < c.Node.Output.Count; i++)
            if (c.GO(i) is not null)
                throw c.Error($"the loss depends on its saved statistic '{c.O(i)}', which has no gradient rule");
    }

    /// <summary>A per-channel [C] vector as [1, C, 1, …] of rank <paramref name="rank"/>.</summary>
    public static string PerChannel(GradContext c, string v, int rank) =>
        c.Unsqueeze(v, [0, .. Enumerable.Range(2, rank - 2).Select(i => (long)i)]);

    /// <summary>Every axis but the channel axis 1.</summary>
    static long[] ReducedAxes(int rank) => [0, .. Enumerable.Range(2, rank - 2).Select(i => (long)i)];
}
