using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// Loss and accuracy nodes built from operators every execution provider has: no
/// SoftmaxCrossEntropyLoss (ONNX Runtime has no CUDA kernel for it, docs/onnxruntime-facts.md), and
/// only operators whose gradient rules the autodiff engine has. Shapes: N batch, K classes.
/// </summary>
public static class Losses
{
    /// <summary>
    /// loss = −(1/N) Σ_n log softmax(logits)[n, labels[n]], written as LogSoftmax, a one-hot mask of
    /// the labels (Equal against the constant 0…K−1, so K must be known), ReduceSum over K and
    /// ReduceMean over N; a label outside [0, K) contributes 0. Returns <paramref name="output"/>,
    /// a float scalar.
    /// </summary>
    public static string SoftmaxCrossEntropy(Emitter e, string logits, TensorType logitsType, string labels, string output)
    {
        if (logitsType.Rank != 2 || logitsType.Shape![1].Value is not { } classes)
            throw new OnnxFormatException($"Cross-entropy needs float[N,K] logits with a known K; '{logits}' is {logitsType}.");
        var logProb = e.Op("LogSoftmax", [logits], [Attr.Int("axis", 1)]);
        // [N,1] == [1,K] → [N,K]: Equal, Unsqueeze and Cast have shape rules and kernels everywhere (OneHot lacks the former).
        var classIds = e.B.Const($"{e.Prefix}/classes", Tensors.Int64("", [1, classes], Enumerable.Range(0, (int)classes).Select(k => (long)k).ToArray()));
        var oneHot = e.Cast(e.Op("Equal", [e.Unsqueeze(labels, 1), classIds]), DataType.Float);
        var picked = e.ReduceSum(e.Mul(oneHot, logProb), [1], keepDims: false);
        return e.OpTo(output, "Neg", [e.ReduceMean(picked, [0], keepDims: false)]);
    }

    /// <summary>
    /// Binary cross-entropy of a logit z [N,1] (the input of a trailing Sigmoid) against int64[N]
    /// labels y ∈ {0, 1}: −y·log σ(z) − (1−y)·log(1−σ(z)) = max(z, 0) − z·y + log(1 + exp(−|z|)),
    /// the form that neither overflows for large |z| nor loses log σ to rounding; mean over N.
    /// Returns <paramref name="output"/>, a float scalar.
    /// </summary>
    public static string BinaryCrossEntropy(Emitter e, string logit, string labels, string output)
    {
        var z = e.Squeeze(logit, 1);
        var y = e.Cast(labels, DataType.Float);
        var softplus = e.Log(e.Add(e.Scalar(1, DataType.Float), e.Exp(e.Neg(e.Abs(z)))));
        var perRow = e.Add(e.Sub(e.Op("Relu", [z]), e.Mul(z, y)), softplus);
        return e.IdentityTo(e.ReduceMean(perRow, [0], keepDims: false), output);
    }

    /// <summary>The number of rows whose logit z [N,1] is on the label's side of 0 (σ(z) > ½ is class 1): an int64 scalar named <paramref name="output"/>.</summary>
    public static string BinaryCorrectCount(Emitter e, string logit, string labels, string output)
    {
        var predicted = e.Cast(e.Op("Greater", [e.Squeeze(logit, 1), e.Scalar(0, DataType.Float)]), DataType.Int64);
        var hits = e.Cast(e.Op("Equal", [predicted, labels]), DataType.Int64);
        return e.OpTo(output, "ReduceSum", [hits], [Attr.Int("keepdims", 0)]);
    }

    /// <summary>
    /// loss = mean over every element of (prediction − target)². Returns <paramref name="output"/>, a float scalar.
    /// </summary>
    public static string MeanSquaredError(Emitter e, string prediction, TensorType predictionType, string target, string output)
    {
        var rank = predictionType.Rank ?? throw new OnnxFormatException($"The rank of the prediction '{prediction}' must be known for the MSE loss.");
        var diff = e.Sub(prediction, target);
        var squares = e.Mul(diff, diff);
        if (rank == 0) return e.IdentityTo(squares, output);
        var mean = e.ReduceMean(squares, Enumerable.Range(0, rank).Select(a => (long)a).ToArray(), keepDims: false);
        return e.IdentityTo(mean, output);
    }

    /// <summary>
    /// The number of rows whose argmax over K equals the label: an int64 scalar named <paramref name="output"/>.
    /// Ties go to the first maximum (ArgMax's default).
    /// </summary>
    public static string CorrectCount(Emitter e, string logits, string labels, string output)
    {
        var predicted = e.Op("ArgMax", [logits], [Attr.Int("axis", 1), Attr.Int("keepdims", 0)]);
        var hits = e.Cast(e.Op("Equal", [predicted, labels]), DataType.Int64);
        return e.OpTo(output, "ReduceSum", [hits], [Attr.Int("keepdims", 0)]); // no axes: all of them, in every opset
    }
}
