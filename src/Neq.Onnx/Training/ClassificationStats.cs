using Neq.Onnx.Distributed;
using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Training;

/// <summary>
/// Running loss and top-1/top-5 counts over logits [n, K] and integer labels: the loss is softmax
/// cross-entropy (log-sum-exp with the maximum subtracted, in float64); ties in top-k go to the
/// lower class index, as a stable sort would. A model that outputs probabilities or
/// log-probabilities (a trailing Softmax/LogSoftmax, <see cref="Kind"/>) has its loss read as
/// −log p[label], the cross-entropy its artifacts train. One column (K = 1) is a binary classifier's Sigmoid
/// probability p of class 1: the loss is −log p or −log(1 − p) (p kept within float32's smallest
/// step of 0 and 1, where the probability itself has rounded), correct when p > ½ is the label.
/// Regression (<see cref="AddRegression"/>) keeps the loss only: the mean squared error over every
/// element, as the mse artifacts compute it, and its root; top-1/top-5 are then NaN.
/// </summary>
public sealed class ClassificationStats
{
    double _lossSum;
    long _top1, _top5, _count, _elements;

    /// <summary>What the rows added hold (logits unless the model ends in Softmax or LogSoftmax).</summary>
    public PredictionKind Kind { get; init; }

    /// <summary>The kind of <paramref name="prediction"/> in <paramref name="graph"/>: what its producer (Softmax, LogSoftmax, else anything) makes of the logits.</summary>
    public static PredictionKind KindOf(GraphProto graph, string prediction)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var producer = graph.Node.FirstOrDefault(n => n.Output.Contains(prediction));
        return producer is null || !OnnxDomain.IsOnnx(producer.Domain) ? PredictionKind.Logits : producer.OpType switch
        {
            "Softmax" => PredictionKind.Probabilities,
            "LogSoftmax" => PredictionKind.LogProbabilities,
            _ => PredictionKind.Logits,
        };
    }

    /// <summary>Images seen.</summary>
    public long Count => _count;

    /// <summary>Mean loss (NaN when nothing was seen).</summary>
    public double Loss => IsRegression ? (_elements == 0 ? double.NaN : _lossSum / _elements) : _count == 0 ? double.NaN : _lossSum / _count;

    /// <summary>Top-1 accuracy in % (NaN for regression).</summary>
    public double Top1 => _count == 0 || IsRegression ? double.NaN : 100.0 * _top1 / _count;

    /// <summary>Top-5 accuracy in % (top-K when there are fewer than 5 classes; NaN for regression).</summary>
    public double Top5 => _count == 0 || IsRegression ? double.NaN : 100.0 * _top5 / _count;

    /// <summary>True once regression targets were added (<see cref="AddRegression"/>).</summary>
    public bool IsRegression { get; private set; }

    /// <summary>Root of the mean squared error (regression; NaN otherwise).</summary>
    public double Rmse => IsRegression ? Math.Sqrt(Loss) : double.NaN;

    /// <summary>
    /// Adds a batch of <paramref name="count"/> samples' predictions and float targets of the same
    /// layout; the loss is the mean squared error over every element seen, in float64.
    /// </summary>
    public void AddRegression(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int count)
    {
        if (predictions.Length != targets.Length)
            throw new ArgumentException($"{predictions.Length} predictions for {targets.Length} target values.", nameof(targets));
        IsRegression = true;
        long elements = targets.Length;
        _count += count;
        double sum = 0;
        for (int i = 0; i < targets.Length; i++)
        {
            double d = predictions[i] - (double)targets[i];
            sum += d * d;
        }
        _elements += elements;
        _lossSum += sum;
    }

    /// <summary>Adds a batch of logits (row-major [n, classes]) and their labels.</summary>
    public void Add(ReadOnlySpan<float> logits, ReadOnlySpan<long> labels, int classes)
    {
        if (classes == 1)
        {
            AddBinary(logits, labels);
            return;
        }
        for (int i = 0; i < labels.Length; i++)
        {
            var row = logits.Slice(i * classes, classes);
            var label = (int)labels[i];
            _lossSum += Kind switch
            {
                PredictionKind.Probabilities => -Math.Log(Math.Max(row[label], 1e-30)),
                PredictionKind.LogProbabilities => -row[label],
                _ => CrossEntropy(row, label),
            };
            int above = 0;
            for (int k = 0; k < classes; k++)
                if (row[k] > row[label] || (row[k] == row[label] && k < label)) above++;
            if (above == 0) _top1++;
            if (above < 5) _top5++;
        }
        _count += labels.Length;
    }

    /// <summary>
    /// Makes these the statistics of every rank's images together (each rank counted its shard):
    /// one allreduce of the sums, in float64, which holds the counts exactly up to 2^53.
    /// </summary>
    internal void SumOver(Communicator communicator)
    {
        if (communicator.Size == 1) return;
        Span<double> sums = [_lossSum, _top1, _top5, _count, _elements];
        communicator.Allreduce(sums, ReduceOperation.Sum);
        (_lossSum, _top1, _top5, _count, _elements) = (sums[0], (long)sums[1], (long)sums[2], (long)sums[3], (long)sums[4]);
    }

    static double CrossEntropy(ReadOnlySpan<float> logits, int label)
    {
        double max = double.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (var v in logits) sum += Math.Exp(v - max);
        return Math.Log(sum) + max - logits[label];
    }

    void AddBinary(ReadOnlySpan<float> probabilities, ReadOnlySpan<long> labels)
    {
        const double tiny = 1e-7; // below float32's resolution next to 1
        for (int i = 0; i < labels.Length; i++)
        {
            double p = Math.Clamp(probabilities[i], tiny, 1 - tiny);
            _lossSum -= labels[i] == 1 ? Math.Log(p) : Math.Log(1 - p);
            if ((probabilities[i] > 0.5f ? 1 : 0) == labels[i]) { _top1++; _top5++; }
        }
        _count += labels.Length;
    }
}
