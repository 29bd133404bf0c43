namespace Neq.Onnx.Data;

/// <summary>
/// An IDX data set as published: its four files with their MD5s, where to download them, its
/// classes and its default normalisation.
/// </summary>
/// <param name="Name">The catalogue name, also the cache subfolder.</param>
/// <param name="BaseUrl">The folder URL the four file names are appended to.</param>
/// <param name="TrainImages">Training images file name (.gz) and its published MD5.</param>
/// <param name="TrainLabels">Training labels file name (.gz) and its published MD5.</param>
/// <param name="TestImages">Test images file name (.gz) and its published MD5.</param>
/// <param name="TestLabels">Test labels file name (.gz) and its published MD5.</param>
/// <param name="ClassNames">Class names by label.</param>
/// <param name="Normalization">Mean and std of the training pixels on [0, 1].</param>
public sealed record IdxDatasetInfo(
    string Name,
    string BaseUrl,
    (string File, string Md5) TrainImages,
    (string File, string Md5) TrainLabels,
    (string File, string Md5) TestImages,
    (string File, string Md5) TestLabels,
    IReadOnlyList<string> ClassNames,
    ImageNormalization Normalization)
{
    /// <summary>The four files in the order train images, train labels, test images, test labels.</summary>
    public IReadOnlyList<(string File, string Md5)> Files => [TrainImages, TrainLabels, TestImages, TestLabels];
}
