namespace Neq.Onnx.Numerics;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator whose stream is fixed by its 64-bit
/// state alone, independent of the .NET version — the project's one source of seeded bits
/// (weight initialisation, data split, shuffle, augmentation). Seeds for a shuffle or an image's
/// augmentation are derived by hashing (seed, epoch, position), so any epoch or batch can be
/// replayed — after a resume, or on another thread — without replaying what came before it.
/// </summary>
internal struct SplitMix64(ulong state)
{
    ulong _state = state;

    /// <summary>The next 64 uniformly distributed bits.</summary>
    public ulong Next() => Mix(_state += 0x9E3779B97F4A7C15UL);

    /// <summary>SplitMix64's output function (a variant of MurmurHash3's 64-bit finaliser).</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n) by multiply-shift; the bias, n / 2⁶⁴, is far below any use here.</summary>
    public int NextInt(int n) => (int)(((UInt128)Next() * (ulong)n) >> 64);

    /// <summary>A seed for the stream named by (<paramref name="a"/>, <paramref name="b"/>, <paramref name="c"/>).</summary>
    public static ulong Derive(ulong a, ulong b, ulong c)
    {
        var g = new SplitMix64(a);
        var x = g.Next() ^ b;
        g = new SplitMix64(x);
        x = g.Next() ^ c;
        g = new SplitMix64(x);
        return g.Next();
    }
}
