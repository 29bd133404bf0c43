namespace Neq.Onnx.Data;

/// <summary>
/// The shape of CIFAR-10's binary version. Records are one label byte followed by the red, green and
/// blue 32×32 planes; each .bin holds <see cref="RecordsPerFile"/> records. Only tests shrink
/// <see cref="RecordsPerFile"/>, to write tiny data sets in the same layout.
/// </summary>
internal sealed record Cifar10Layout(int RecordsPerFile)
{
    public static Cifar10Layout Official { get; } = new(10_000);

    public const int Channels = 3, Height = 32, Width = 32;
    public const int ImageBytes = Channels * Height * Width;
    public const int RecordBytes = 1 + ImageBytes;
    public const int Classes = 10;

    public long FileBytes => (long)RecordsPerFile * RecordBytes;
}
