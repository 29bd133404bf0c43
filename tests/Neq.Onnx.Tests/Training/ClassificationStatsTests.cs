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
    public void Probabilities_and_log_probabilities_give_the_cross_entropy_of_their_logits()
    {
        // The same two rows as softmax probabilities and as log-probabilities: the loss is the
        // logits' cross-entropy, −log p[label]; the ranks (top-1/top-5) are the logits'.
        float[] logits = [0, 1, 3, 0, 0, 0,   5, 4, 3, 2, 1, 6];
        long[] labels = [2, 1];
        var fromLogits = new ClassificationStats();
        fromLogits.Add(logits, labels, 6);
        var probs = new float[12];
        var logProbs = new float[12];
        for (int r = 0; r < 2; r++)
        {
            double z = Enumerable.Range(0, 6).Sum(k => Math.Exp(logits[r * 6 + k]));
            for (int k = 0; k < 6; k++)
            {
                probs[r * 6 + k] = (float)(Math.Exp(logits[r * 6 + k]) / z);
                logProbs[r * 6 + k] = (float)(logits[r * 6 + k] - Math.Log(z));
            }
        }
        var p = new ClassificationStats { Kind = PredictionKind.Probabilities };
        p.Add(probs, labels, 6);
        var lp = new ClassificationStats { Kind = PredictionKind.LogProbabilities };
        lp.Add(logProbs, labels, 6);
        Assert.Equal(fromLogits.Loss, p.Loss, 6);
        Assert.Equal(fromLogits.Loss, lp.Loss, 6);
        Assert.Equal((fromLogits.Top1, fromLogits.Top5), (p.Top1, p.Top5));
        Assert.Equal((fromLogits.Top1, fromLogits.Top5), (lp.Top1, lp.Top5));
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
