namespace Neq.Onnx.Data;

/// <summary>
/// One rank's share of every batch in data-parallel training (as PyTorch's DistributedSampler, but
/// per batch): global batch b of an epoch's shuffle — the images a single process would train on
/// in step b — is cut into <see cref="Count"/> contiguous slices, the first (n mod K) of them one
/// image longer, and rank <see cref="Rank"/> reads its slice. The slices are disjoint and together
/// are the global batch; each image keeps the augmentation of its position in the epoch, so K ranks
/// see exactly the images and crops one process would.
/// </summary>
/// <param name="Rank">This rank, 0 ≤ Rank &lt; Count.</param>
/// <param name="Count">The number of ranks K.</param>
public sealed record DataShard(int Rank, int Count)
{
    /// <summary>Throws unless 0 ≤ Rank &lt; Count.</summary>
    public void Validate()
    {
        if (Count < 1) throw new ArgumentOutOfRangeException(nameof(Count), Count, "A data shard needs at least one rank.");
        if ((uint)Rank >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(Rank), Rank, $"The rank must be in 0..{Count - 1}.");
    }

    /// <summary>
    /// This rank's slice of a global batch of <paramref name="batchLength"/> images: its offset in the
    /// batch and its length (0 when the batch has fewer images than ranks and none is left for this one).
    /// </summary>
    public (int Offset, int Length) Slice(int batchLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchLength);
        var (share, extra) = (batchLength / Count, batchLength % Count);
        return (Rank * share + Math.Min(Rank, extra), share + (Rank < extra ? 1 : 0));
    }
}
