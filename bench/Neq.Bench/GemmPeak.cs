using System.Diagnostics;
using System.Text.Json.Serialization;
using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using Neq.Onnx.Training;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Bench;

/// <summary>
/// The machine's fp32 ceiling as our side can reach it, in a child process: ONNX Runtime's MatMul of
/// two square float32 graph inputs (MLAS SGEMM, split over --threads intra-op threads) in a session
/// made as the trainer makes its own. GFLOP/s = 2·n³ / median time.
/// </summary>
static class GemmPeak
{
    /// <summary>The child configuration's name.</summary>
    public const string Config = "gemm-peak";

    const int WarmupRuns = 2, Runs2048 = 9, Runs4096 = 5;

    /// <summary>4096³ runs only when 2048's median says they fit this budget (8× the work each).</summary>
    const double LargeBudgetMs = 6000;

    /// <summary>One matrix size: the timed runs and their rate.</summary>
    /// <param name="N">Rows = columns of A, B and C.</param>
    /// <param name="Ms">Time of each timed run.</param>
    /// <param name="GflopsPerSecond">2·n³ / median(Ms).</param>
    public sealed record Size(int N, double[] Ms, double GflopsPerSecond);

    /// <summary>What the child measured.</summary>
    /// <param name="Threads">Intra-op threads of the session.</param>
    /// <param name="Sizes">2048, and 4096 when it fitted.</param>
    public sealed record Result(int Threads, Size[] Sizes)
    {
        /// <summary>The fastest size: the peak (the JSON has it among the sizes).</summary>
        [JsonIgnore]
        public Size Peak => Sizes.MaxBy(s => s.GflopsPerSecond)!;
    }

    /// <summary>Measures n = 2048, then 4096 if its runs fit a few seconds.</summary>
    public static Result Run(BenchOptions o)
    {
        var small = Measure(2048, o.Threads, Runs2048);
        var sizes = new List<Size> { small };
        if (8 * Report.Median(small.Ms) * (WarmupRuns + Runs4096) <= LargeBudgetMs) sizes.Add(Measure(4096, o.Threads, Runs4096));
        return new Result(o.Threads, [.. sizes]);
    }

    static Size Measure(int n, int threads, int runs)
    {
        var b = new GraphBuilder("gemm");
        var type = TensorType.Of(DataType.Float, n, n);
        var a = b.AddInput("a", type);
        var bm = b.AddInput("b", type);
        var c = b.Op("MatMul", [a, bm]);
        b.AddOutput(c, type);
        var model = OnnxModel.Create(b.Graph);

        var rng = new Random(n);
        float[] Random() => Enumerable.Range(0, n * n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        using var so = Sessions.Options(threads, "cpu");
        using var session = new InferenceSession(OnnxFile.Serialize(model), so);
        using var run = new RunOptions();
        using var av = OrtValue.CreateTensorValueFromMemory(Random(), [n, n]);
        using var bv = OrtValue.CreateTensorValueFromMemory(Random(), [n, n]);
        using var cv = OrtValue.CreateTensorValueFromMemory(new float[n * n], [n, n]);
        string[] inNames = [a, bm], outNames = [c];
        var ms = new List<double>();
        for (int i = 0; i < WarmupRuns + runs; i++)
        {
            var sw = Stopwatch.StartNew();
            session.Run(run, inNames, [av, bv], outNames, [cv]);
            if (i >= WarmupRuns) ms.Add(sw.Elapsed.TotalMilliseconds);
        }
        return new Size(n, [.. ms], 2.0 * n * n * n / (Report.Median(ms) * 1e6));
    }
}
