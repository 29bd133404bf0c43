using Neq.Onnx.Training;
using Neq.Train;

namespace Neq.Onnx.Tests.Cli;

/// <summary><see cref="RunStory"/>: the end-of-run figures, checked against hand arithmetic.</summary>
public sealed class RunStoryTests
{
    static EpochMetrics Epoch(int e, double trainedFrozen, double frozen, double stepSeconds, int steps, double ratio) =>
        new(e, 0.01, 1, 50, 90, 1, 50, 90, 1, 60 + e, 95, trainedFrozen, frozen, new Dictionary<string, double>(), 100, 10 * e, 30, 2, 3, 0,
            StepSeconds: stepSeconds, Steps: steps, DenseStepRatio: ratio, TimingSeconds: 1);

    [Fact]
    public void Saved_time_is_each_epochs_steps_scaled_by_its_dense_ratio()
    {
        // Epoch 1 dense (ratio 1): 20 s. Epoch 2: 12 s of steps, dense 1.5× → 18 s. Epoch 3: 10 s, dense 2× → 20 s.
        var story = RunStory.Of([Epoch(0, 0, 40, 20, 50, 1), Epoch(1, 40, 60, 12, 50, 1.5), Epoch(2, 60, 70, 10, 50, 2)]);
        Assert.Equal(42, story.StepSeconds, 12);
        Assert.Equal(58, story.DenseSeconds, 12);
        Assert.Equal(16, story.SavedSeconds, 12);
        Assert.Equal(100.0 * 16 / 58, story.SavedPercent, 12);
        Assert.Equal(100.0 / 3, story.MeanTrainedFrozen, 12);
        Assert.Equal((62.0, 70.0, 20.0), (story.TestTop1, story.Frozen, story.BpropSaved));
        Assert.Contains("16.0 s saved (27.6 %)", story.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_slower_specialised_step_is_reported_as_time_lost()
    {
        var story = RunStory.Of([Epoch(0, 10, 10, 10, 10, 0.8)]);
        Assert.Equal(-2, story.SavedSeconds, 12);
        Assert.Contains("2.0 s lost (25.0 %)", story.Sentence, StringComparison.Ordinal); // 10 s against a dense 8 s
    }

    [Fact]
    public void Frozen_epochs_that_were_never_timed_say_so_instead_of_claiming_no_saving()
    {
        var untimed = Epoch(1, 50, 50, 10, 10, 1) with { TimingSeconds = 0 };
        var story = RunStory.Of([Epoch(0, 0, 50, 10, 10, 1) with { TimingSeconds = 0 }, untimed]);
        Assert.False(story.Timed);
        Assert.Contains("not timed", story.TimeLine, StringComparison.Ordinal);
        Assert.True(RunStory.Of([Epoch(0, 0, 50, 10, 10, 1) with { TimingSeconds = 0 }]).Timed); // nothing frozen while training: dense by construction
    }
}
