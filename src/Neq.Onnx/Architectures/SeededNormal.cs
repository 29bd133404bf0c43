using Neq.Onnx.Numerics;

namespace Neq.Onnx.Architectures;

/// <summary>
/// A seeded source of standard-normal numbers that gives the same bits on every machine and
/// runtime, so that generated models are byte-identical wherever they are built.
/// </summary>
/// <remarks>
/// Uniforms come from SplitMix64 (Steele, Lea and Flood, 2014). Normals come from Marsaglia's polar
/// form of Box–Muller, which needs only a square root and a logarithm: IEEE 754 rounds the square
/// root exactly, and the logarithm is computed here from +, −, ×, ÷ alone, because the C runtimes
/// behind <see cref="Math.Log(double)"/>, <see cref="Math.Sin"/> and <see cref="Math.Cos"/> may differ
/// in the last bit between platforms. <see cref="System.Random"/> is avoided for the same reason:
/// its algorithm is not part of its contract.
/// </remarks>
public sealed class SeededNormal
{
    SplitMix64 _bits;
    double _spare;
    bool _hasSpare;

    /// <summary>Starts the stream at <paramref name="seed"/>.</summary>
    public SeededNormal(ulong seed) => _bits = new SplitMix64(seed);

    /// <summary>
    /// An independent stream for one named tensor: its values depend only on the seed and the name,
    /// not on what else was drawn before (adding a layer does not change the others).
    /// </summary>
    public static SeededNormal ForStream(ulong seed, string streamName) => new(SplitMix64.Mix(seed ^ Fnv1a(streamName)));

    /// <summary>The next 64 uniformly distributed bits (SplitMix64).</summary>
    public ulong NextUInt64() => _bits.Next();

    /// <summary>A uniform number in [0, 1) with 53 random bits.</summary>
    public double NextUniform() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A sample of the standard normal distribution N(0, 1).</summary>
    public double NextStandardNormal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }
        // Polar method: a uniform point in the unit disc (rejecting the rest of the square) gives
        // two independent normals u·f and v·f with f = sqrt(−2 ln s / s), s = u² + v².
        double u, v, s;
        do
        {
            u = 2.0 * NextUniform() - 1.0;
            v = 2.0 * NextUniform() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        var f = Math.Sqrt(-2.0 * Ln(s) / s);
        _spare = v * f;
        _hasSpare = true;
        return u * f;
    }

    /// <summary>Fills <paramref name="destination"/> with samples of N(0, <paramref name="std"/>²), rounded to float32.</summary>
    public void Fill(Span<float> destination, double std)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = (float)(NextStandardNormal() * std);
    }

    /// <summary>
    /// Natural logarithm of a positive, normal (not subnormal) double using basic arithmetic only,
    /// accurate to a few ulp: x = m·2^e with m in [√½, √2), ln m = 2·atanh(t), t = (m−1)/(m+1).
    /// </summary>
    internal static double Ln(double x)
    {
        if (!(x > 0.0) || double.IsInfinity(x) || !double.IsNormal(x))
            throw new ArgumentOutOfRangeException(nameof(x), x, "Ln needs a positive, finite, normal number.");
        const double Ln2 = 0.6931471805599453;
        const double Sqrt2 = 1.4142135623730951;
        long bits = BitConverter.DoubleToInt64Bits(x);
        int e = (int)((bits >> 52) & 0x7FF) - 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L); // [1, 2)
        if (m > Sqrt2)
        {
            m *= 0.5;
            e++;
        }
        // |t| ≤ 0.1716, so t^(2k+1)/(2k+1) < 1e-17 by k = 11: twelve terms of the atanh series suffice.
        double t = (m - 1.0) / (m + 1.0);
        double t2 = t * t;
        double series = 0.0;
        for (int k = 11; k >= 0; k--)
            series = series * t2 + 1.0 / (2 * k + 1);
        return e * Ln2 + 2.0 * t * series;
    }

    // FNV-1a over the UTF-16 code units: stable across runtimes, unlike string.GetHashCode.
    static ulong Fnv1a(string text)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (char c in text)
        {
            h ^= c;
            h *= 0x100000001B3UL;
        }
        return h;
    }
}
