using Neq.Onnx.Training;

namespace Neq.Onnx.Tests.Training;

public sealed class ClassificationStatsTests
{
    [Fact]
    public void Loss_and_topk_match_a_hand_calculation()
    {
        // Two rows of 6 classes. Row 0: label 2 has the largest logit (top-1 hit).
        // Row 1: label 1 (logit 4) ranks 3rd after 6 and 5 (top-1 miss, top-5 hit).
        float[] logits = [0, 1, 3, 0, 0, 0,   5, 4, 3, 2, 1, 6];
        var s = new ClassificationStats();
        s.Add(logits, [2, 1], 6);
        // Cross-entropy = log Σ exp(logits) − logit[label], per row.
        double l0 = Math.Log(4 + Math.E + Math.Exp(3)) - 3;
        double l1 = Math.Log(Math.Exp(5) + Math.Exp(4) + Math.Exp(3) + Math.Exp(2) + Math.Exp(1) + Math.Exp(6)) - 4;
        Assert.Equal((l0 + l1) / 2, s.Loss, 12);
        Assert.Equal(50, s.Top1);
        Assert.Equal(100, s.Top5); // label 1 is 3rd (6, 5, 4): inside the top 5
    }

    [Fact]
    public void Multistep_and_cosine_schedules()
    {
        var m = new LrSchedule(LrScheduleKind.MultiStep, 0.1, [100, 150], 0.1, 250);
        Assert.Equal(0.1, m.At(99), 15);
        Assert.Equal(0.01, m.At(100), 15);
        Assert.Equal(0.001, m.At(150), 15);
        var c = new LrSchedule(LrScheduleKind.Cosine, 0.1, [], 0.1, 10);
        Assert.Equal(0.1, c.At(0), 15);
        Assert.Equal(0.05, c.At(5), 15);       // cos(π/2) = 0 → half
    }
}
