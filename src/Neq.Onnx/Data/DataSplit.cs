using Neq.Onnx.Numerics;

namespace Neq.Onnx.Data;

/// <summary>A partition of a set's image indices into training and validation, each in ascending order.</summary>
/// <param name="Train">Indices kept for training.</param>
/// <param name="Validation">Indices removed from training for the NEq validation subset.</param>
public sealed record DataSplit(int[] Train, int[] Validation)
{
    /// <summary>
    /// Removes a seeded random subset of floor(<paramref name="valSize"/> · <paramref name="count"/>)
    /// images from training (the reference code's rule, <c>int(np.floor(val_size · n))</c>,
    /// so 0.01 of 50,000 is 500). The subset is a function of the seed alone: the same seed gives
    /// the same split on every run and after a resume. Both lists are sorted, which fixes the
    /// validation order across epochs (NEq compares each image's activations with its own from
    /// the previous epoch). The reference draws its split with PyTorch's generator, so the images
    /// chosen differ from its runs; only their number is the same.
    /// </summary>
    /// <param name="count">Images in the set.</param>
    /// <param name="valSize">Fraction in [0, 1); 0 gives no validation images.</param>
    /// <param name="seed">Seed of the draw.</param>
    public static DataSplit Create(int count, double valSize, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!(valSize >= 0 && valSize < 1))
            throw new ArgumentOutOfRangeException(nameof(valSize), valSize, "The validation size is a fraction in [0, 1).");
        var validation = (int)Math.Floor(valSize * count);
        // A partial Fisher–Yates shuffle: the first `validation` slots become a uniform random subset.
        var perm = new int[count];
        for (var i = 0; i < count; i++) perm[i] = i;
        var rng = new SplitMix64(SplitMix64.Derive(seed, 0x5BA11D, 0));
        for (var i = 0; i < validation; i++)
        {
            var j = i + rng.NextInt(count - i);
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        var val = perm[..validation];
        var train = perm[validation..];
        Array.Sort(val);
        Array.Sort(train);
        return new DataSplit(train, val);
    }
}
