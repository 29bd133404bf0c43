namespace Neq.Onnx.Training;

/// <summary>
/// Learning rate per epoch, stepped once per epoch as PyTorch's schedulers are in the reference:
/// multi-step (lr·γ^k after the k-th milestone, PyTorch's MultiStepLR) or cosine annealing to 0
/// over the run (CosineAnnealingLR with T_max = epochs, η_min = 0).
/// </summary>
public sealed record LrSchedule(LrScheduleKind Kind, double BaseLr, IReadOnlyList<int> Milestones, double Gamma, int Epochs)
{
    /// <summary>The learning rate used during <paramref name="epoch"/> (0-based).</summary>
    public double At(int epoch) => Kind switch
    {
        LrScheduleKind.MultiStep => BaseLr * Math.Pow(Gamma, Milestones.Count(m => epoch >= m)),
        LrScheduleKind.Cosine => 0.5 * BaseLr * (1 + Math.Cos(Math.PI * epoch / Math.Max(1, Epochs))),
        _ => BaseLr,
    };
}
