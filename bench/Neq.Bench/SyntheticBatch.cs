namespace Neq.Bench;

/// <summary>A fixed CIFAR-shaped batch both sides train on: images in [-1, 1), labels in [0, classes).</summary>
sealed class SyntheticBatch
{
    /// <summary>Images, NCHW [Batch,3,32,32].</summary>
    public float[] Images { get; }

    /// <summary>Class indices [Batch].</summary>
    public long[] Labels { get; }

    /// <summary>Image tensor shape.</summary>
    public long[] ImageShape { get; }

    /// <summary>Draws the batch from <paramref name="seed"/>; the same seed gives the same batch in every process.</summary>
    public SyntheticBatch(int batch, int seed)
    {
        var rng = new Random(seed);
        ImageShape = [batch, 3, 32, 32];
        Images = new float[batch * 3 * 32 * 32];
        for (int i = 0; i < Images.Length; i++) Images[i] = (float)(rng.NextDouble() * 2 - 1);
        Labels = new long[batch];
        for (int i = 0; i < batch; i++) Labels[i] = rng.Next(BenchOptions.Classes);
    }
}
