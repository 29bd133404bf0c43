using Neq.Onnx.Data;

namespace Neq.Onnx.Training;

/// <summary>The run's three loaders: shuffled, augmented training images; NEq's validation subset (held out of the training set); the test images.</summary>
/// <param name="Train">Training batches.</param>
/// <param name="Validation">The validation subset; null when <see cref="TrainerOptions.ValSize"/> is 0.</param>
/// <param name="Test">Test batches.</param>
sealed record TrainingLoaders(BatchLoader Train, BatchLoader? Validation, BatchLoader Test)
{
    /// <summary>Splits the training set by <see cref="TrainerOptions.ValSize"/> and <see cref="TrainerOptions.Seed"/> and applies the size limits.</summary>
    public static TrainingLoaders Of(Cifar10Data data, TrainerOptions o)
    {
        var split = DataSplit.Create(data.Train.Count, o.ValSize, o.Seed);
        var trainIdx = o.TrainLimit is int n ? split.Train.Take(n).ToArray() : split.Train;
        var train = new BatchLoader(data.Train, new BatchLoaderOptions(o.BatchSize, Shuffle: true, Augment: true, Seed: o.Seed), trainIdx);
        var validation = split.Validation.Length == 0 ? null
            : new BatchLoader(data.Train, new BatchLoaderOptions(o.EvalBatchSize, Shuffle: false, Augment: false, Seed: o.Seed), split.Validation);
        var testIdx = Enumerable.Range(0, Math.Min(data.Test.Count, o.TestLimit ?? int.MaxValue)).ToArray();
        var test = new BatchLoader(data.Test, new BatchLoaderOptions(o.EvalBatchSize, Shuffle: false, Augment: false, Seed: o.Seed), testIdx);
        return new TrainingLoaders(train, validation, test);
    }
}
