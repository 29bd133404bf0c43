using Neq.Onnx.Data;

namespace Neq.Onnx.Training;

/// <summary>The run's three loaders: shuffled, augmented training samples; NEq's validation subset (held out of the training set); the test samples.</summary>
/// <param name="Train">Training batches.</param>
/// <param name="Validation">The validation subset; null when <see cref="TrainerOptions.ValSize"/> is 0.</param>
/// <param name="Test">Test batches.</param>
sealed record TrainingLoaders(BatchLoader Train, BatchLoader? Validation, BatchLoader Test)
{
    /// <summary>
    /// Splits the fitted training set by <see cref="TrainerOptions.ValSize"/> and
    /// <see cref="TrainerOptions.Seed"/>, applies the size limits, and batches every split in the
    /// model's sample shape and layout with the data set's normalisation; only the training batches
    /// are augmented (<see cref="Dataset.Augment"/>). With a <paramref name="shard"/> (data-parallel
    /// training) the training and test loaders read this rank's slice of every batch; the validation
    /// subset stays whole (rank 0 alone measures the neurons on it).
    /// </summary>
    public static TrainingLoaders Of(FittedDataset fitted, TrainerOptions o, DataShard? shard = null)
    {
        var data = fitted.Dataset;
        var split = DataSplit.Create(data.Train.Count, o.ValSize, o.Seed);
        var trainIdx = o.TrainLimit is int n ? split.Train.Take(n).ToArray() : split.Train;
        var eval = new BatchLoaderOptions(o.EvalBatchSize, Shuffle: false, Augment: false, Seed: o.Seed,
            Normalization: data.Normalization, ChannelsLast: fitted.ChannelsLast, SampleShape: fitted.SampleShape);
        var train = new BatchLoader(data.Train, eval with
        {
            BatchSize = o.BatchSize, Shuffle = true, Augment = data.Augment != AugmentMode.None, Flip = data.Augment == AugmentMode.CropFlip, Shard = shard,
        }, trainIdx);
        var validation = split.Validation.Length == 0 ? null : new BatchLoader(data.Train, eval, split.Validation);
        var testIdx = Enumerable.Range(0, Math.Min(data.Test.Count, o.TestLimit ?? int.MaxValue)).ToArray();
        return new TrainingLoaders(train, validation, new BatchLoader(data.Test, eval with { Shard = shard }, testIdx));
    }
}
