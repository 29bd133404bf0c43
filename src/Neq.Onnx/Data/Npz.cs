using System.Globalization;
using System.IO.Compression;

namespace Neq.Onnx.Data;

/// <summary>
/// Reads a NumPy <c>.npz</c> archive (a zip of .npy files, as numpy.savez or savez_compressed
/// write) holding <c>x_train, y_train, x_test, y_test</c>. Samples are x's rows, of any shape:
/// uint8 x is kept as bytes (images, scaled to [0, 1] when batched), float32/float64 x becomes
/// float32 used as it is. Integer y are class labels; float y are regression targets, one row per
/// sample. Every fault is one error naming the file and the array (<see cref="NpyArray"/>).
/// </summary>
public static class Npz
{
    /// <summary>The catalogue name of data sets read from .npz.</summary>
    public const string Name = "npz";

    /// <summary>The four arrays an archive must hold.</summary>
    public static IReadOnlyList<string> ArrayNames { get; } = ["x_train", "y_train", "x_test", "y_test"];

    /// <summary>Reads <paramref name="path"/> into a data set named <c>npz</c>.</summary>
    /// <exception cref="DatasetException">The file is no zip, an array is missing or malformed, or the arrays disagree.</exception>
    public static Dataset Load(string path)
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: no such file (given as the .npz data set).");
        var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            foreach (var name in ArrayNames)
            {
                var entry = zip.GetEntry(name + ".npy") ?? zip.GetEntry(name)
                    ?? throw new DatasetException($"{path}: array {name} is missing; an .npz data set holds {string.Join(", ", ArrayNames)} (it has {string.Join(", ", zip.Entries.Select(e => Path.GetFileNameWithoutExtension(e.FullName)))}).");
                try
                {
                    using var stream = entry.Open();
                    arrays[name] = NpyArray.Read(stream, $"{path}: array {name}");
                }
                catch (InvalidDataException e)
                {
                    throw new DatasetException($"{path}: array {name}: its compressed data is corrupt or truncated ({e.Message}).", e);
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"{path}: not a readable .npz (zip) archive ({e.Message}); is it truncated?", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"{path}: cannot read the file ({e.Message}).", e);
        }

        var train = Build(path, "train", arrays["x_train"], arrays["y_train"]);
        var test = Build(path, "test", arrays["x_test"], arrays["y_test"]);
        if (!train.Shape.SequenceEqual(test.Shape) || train.Element != test.Element)
            throw new DatasetException($"{path}: x_train samples are {train.Element} [{SampleSet.Format(train.Shape)}] but x_test samples are {test.Element} [{SampleSet.Format(test.Shape)}].");
        if (train.HasClassLabels != test.HasClassLabels || (!train.HasClassLabels && !train.TargetShape!.SequenceEqual(test.TargetShape!)))
            throw new DatasetException($"{path}: y_train and y_test differ in kind or shape ({arrays["y_train"].Descr} ({string.Join(", ", arrays["y_train"].Shape)}) vs {arrays["y_test"].Descr} ({string.Join(", ", arrays["y_test"].Shape)})).");
        return new Dataset(Name, train, test, null, null, AugmentMode.None, path, []);
    }

    static SampleSet Build(string path, string split, NpyArray x, NpyArray y)
    {
        if (x.Shape.Count < 2)
            throw new DatasetException($"{path}: array x_{split} has shape ({string.Join(", ", x.Shape)}); it needs a sample axis and at least one more.");
        if (y.Shape.Count < 1 || y.Shape[0] != x.Shape[0])
            throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: array y_{split} has shape ({string.Join(", ", y.Shape)}) but x_{split} has {x.Shape[0]} samples."));
        var shape = x.Shape.Skip(1).ToArray();
        if (shape.Any(d => d == 0)) throw new DatasetException($"{path}: array x_{split} has an empty sample shape ({string.Join(", ", x.Shape)}).");
        if (y.IsInteger)
        {
            var labelShape = y.Shape.Skip(1).ToArray();
            if (SampleSet.Product(labelShape) != 1)
                throw new DatasetException($"{path}: array y_{split} has shape ({string.Join(", ", y.Shape)}); integer labels are one class index per sample.");
            var labels = y.ToLabels($"{path}: array y_{split}");
            return x.Descr == "|u1" ? SampleSet.FromBytes(x.Data, shape, labels) : SampleSet.FromFloats(x.ToFloats(), shape, labels);
        }
        if (x.Descr == "|u1")
            throw new DatasetException($"{path}: array x_{split} is uint8 with float targets; store regression inputs as float32 or float64.");
        var targetShape = y.Shape.Count == 1 ? new[] { 1 } : y.Shape.Skip(1).ToArray();
        return SampleSet.FromFloats(x.ToFloats(), shape, y.ToFloats(), targetShape);
    }
}
