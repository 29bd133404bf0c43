using System.IO.Compression;
using System.Text;

namespace Neq.GraphBuilderTool.Examples;

/// <summary>
/// A synthetic 1-D signal data set as an .npz file (x_train float32 [n, 64], y_train int64 [n],
/// x_test, y_test): class c ∈ {0, 1, 2} is a sine of 2, 4 or 8 cycles per window with a uniform
/// random phase and amplitude in [0.5, 1.5], plus Gaussian noise of standard deviation
/// <see cref="Noise"/>; the classes are drawn uniformly. The same seed gives the same file.
/// </summary>
static class SignalData
{
    public const int Length = 64;
    public const int Classes = 3;
    public const double Noise = 0.6;
    static readonly int[] Cycles = [2, 4, 8];

    public static void Write(string path, int train, int test, int seed)
    {
        var rng = new Random(seed);
        var (xTrain, yTrain) = Draw(rng, train);
        var (xTest, yTest) = Draw(rng, test);
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        Member(zip, "x_train", "<f4", [train, Length], Bytes(xTrain));
        Member(zip, "y_train", "<i8", [train], Bytes(yTrain));
        Member(zip, "x_test", "<f4", [test, Length], Bytes(xTest));
        Member(zip, "y_test", "<i8", [test], Bytes(yTest));
    }

    static (float[] X, long[] Y) Draw(Random rng, int count)
    {
        var (x, y) = (new float[count * Length], new long[count]);
        for (int i = 0; i < count; i++)
        {
            y[i] = rng.Next(Classes);
            double phase = rng.NextDouble() * 2 * Math.PI, amplitude = 0.5 + rng.NextDouble();
            for (int t = 0; t < Length; t++)
            {
                double gauss = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                x[i * Length + t] = (float)(amplitude * Math.Sin(2 * Math.PI * Cycles[y[i]] * t / Length + phase) + Noise * gauss);
            }
        }
        return (x, y);
    }

    static byte[] Bytes<T>(T[] values) where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    // NumPy's .npy format 1.0: magic, version, a little-endian header length, a Python dict
    // literal padded with spaces to a multiple of 64 bytes and ending in '\n', then the data.
    static void Member(ZipArchive zip, string name, string descr, int[] shape, byte[] data)
    {
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var s = zip.CreateEntry(name + ".npy", CompressionLevel.NoCompression).Open();
        s.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        s.Write(BitConverter.GetBytes((ushort)header.Length));
        s.Write(Encoding.ASCII.GetBytes(header));
        s.Write(data);
    }
}
