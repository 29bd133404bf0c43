namespace Neq.Onnx.Data;

/// <summary>
/// A data set as read by <see cref="DatasetCatalog"/>: training and test samples of one shape,
/// the class names when known, and the dataset's default preprocessing.
/// </summary>
/// <param name="Name">The catalogue name (<c>mnist</c>, <c>cifar100</c>, <c>npz</c>, …).</param>
/// <param name="Train">The training samples.</param>
/// <param name="Test">The test samples.</param>
/// <param name="ClassNames">Class names by label; null when the data names none (npz, regression).</param>
/// <param name="Normalization">Default per-channel mean/std for byte samples; null for float samples (used as they are).</param>
/// <param name="Augment">Default training augmentation.</param>
/// <param name="Source">The file or folder the samples were read from.</param>
/// <param name="Notes">What the reader decided that the user should hear (e.g. the test split it drew).</param>
public sealed record Dataset(
    string Name,
    SampleSet Train,
    SampleSet Test,
    IReadOnlyList<string>? ClassNames,
    ImageNormalization? Normalization,
    AugmentMode Augment,
    string Source,
    IReadOnlyList<string> Notes);
