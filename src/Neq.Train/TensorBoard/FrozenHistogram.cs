using Tensorboard;

namespace Neq.Train.TensorBoard;

/// <summary>
/// The per-layer frozen percentages of one epoch as a TensorBoard <see cref="HistogramProto"/>: ten buckets
/// of 10 %, bucket i holding values v with limit[i−1] ≤ v &lt; limit[i] (TensorFlow's histogram.cc rule),
/// the last one open-ended so a fully frozen layer (100 %) lands in [90, 100].
/// </summary>
public static class FrozenHistogram
{
    /// <summary>Width of a bucket in percentage points.</summary>
    public const double BucketWidth = 10;

    const int Buckets = 10;

    /// <summary>
    /// The histogram of <paramref name="percents"/>. Empty buckets before the first and after the last
    /// occupied one are left out: TensorBoard draws the first bucket from <c>min</c> and the last up to
    /// <c>max</c> (data_compat.py), which are only sensible edges for occupied buckets.
    /// </summary>
    public static HistogramProto Of(IReadOnlyCollection<double> percents)
    {
        if (percents.Count == 0) throw new ArgumentException("A histogram needs at least one layer.", nameof(percents));
        var counts = new double[Buckets];
        foreach (var v in percents) counts[Math.Clamp((int)Math.Floor(v / BucketWidth), 0, Buckets - 1)]++;
        var first = Array.FindIndex(counts, c => c > 0);
        var last = Array.FindLastIndex(counts, c => c > 0);
        var h = new HistogramProto
        {
            Min = percents.Min(),
            Max = percents.Max(),
            Num = percents.Count,
            Sum = percents.Sum(),
            SumSquares = percents.Sum(v => v * v),
        };
        for (var i = first; i <= last; i++)
        {
            h.BucketLimit.Add(i == Buckets - 1 ? double.MaxValue : (i + 1) * BucketWidth);
            h.Bucket.Add(counts[i]);
        }
        return h;
    }
}
