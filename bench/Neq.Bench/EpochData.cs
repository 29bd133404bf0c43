using Neq.Onnx.Data;

namespace Neq.Bench;

/// <summary>
/// The peer's three loaders, built as <c>neq train</c>'s TrainingLoaders.Of builds them from the
/// project's own Data classes (same split, same first --train-size indices, same shuffle and
/// crop-flip per epoch from the seed, same normalisation, same eval batches), so the libtorch loop
/// sees exactly the images, labels and order that ours sees.
/// </summary>
sealed record EpochData(BatchLoader Train, BatchLoader Validation, BatchLoader Test)
{
    /// <summary>CIFAR-10 from <paramref name="path"/>, split by <paramref name="valFraction"/> and <paramref name="seed"/>.</summary>
    public static EpochData Load(string path, double valFraction, int trainSize, int testSize, int batch, int evalBatch, ulong seed)
    {
        var data = Cifar10.AsDataset(Cifar10.Load(path));
        // ResNet-32's input as the artifacts declare it; CIFAR's 3×32×32 images fit it unchanged.
        var fitted = InputFit.Fit(data, ModelInput.Of("input", [-1, 3, 32, 32]));
        var split = DataSplit.Create(data.Train.Count, valFraction, seed);
        var eval = new BatchLoaderOptions(evalBatch, Shuffle: false, Augment: false, Seed: seed,
            Normalization: data.Normalization, ChannelsLast: fitted.ChannelsLast, SampleShape: fitted.SampleShape);
        var train = new BatchLoader(data.Train, eval with
        {
            BatchSize = batch, Shuffle = true, Augment = data.Augment != AugmentMode.None, Flip = data.Augment == AugmentMode.CropFlip,
        }, split.Train.Take(trainSize).ToArray());
        var validation = new BatchLoader(data.Train, eval, split.Validation);
        var test = new BatchLoader(data.Test, eval, Enumerable.Range(0, Math.Min(data.Test.Count, testSize)).ToArray());
        return new EpochData(train, validation, test);
    }
}
