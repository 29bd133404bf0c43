using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Training;

/// <summary>
/// Why every <c>session.Run</c> in this repository holds its <see cref="RunOptions"/> in a variable
/// (or a field) that outlives the call. ONNX Runtime's managed Run passes on only the native handle;
/// RunOptions is a SafeHandle, so once the call has started nothing keeps the managed object alive,
/// the garbage collector may finalize it, and the native options (their config map, their terminate
/// flag) are freed while the run still reads them. In the test host, where other tests allocate and
/// collect on other threads, that showed as "Exiting due to terminate flag being set to true" and as
/// segfaults of the test host inside libonnxruntime.so (an unordered_map walk over freed memory),
/// which vstest reports as "Test Run Aborted" without a test name (issue 17).
/// </summary>
public sealed class RunOptionsLifetimeTests
{
    static volatile bool _inRun;
    static int _releasedDuringRun;

    /// <summary>Run options that count their native release while a run is in progress.</summary>
    sealed class WatchedRunOptions : RunOptions
    {
        protected override bool ReleaseHandle()
        {
            if (_inRun) Interlocked.Increment(ref _releasedDuringRun);
            return base.ReleaseHandle();
        }
    }

    [Fact]
    public void An_unreferenced_run_options_object_is_released_while_its_run_is_still_going()
    {
        // 40 chained 256×256 products: a run of several milliseconds for the collector to act in.
        var b = new GraphBuilder("chain");
        b.AddInput("a", new TensorType(DataType.Float, [256, 256]));
        var x = "a";
        for (int i = 0; i < 40; i++) x = b.Op("MatMul", [x, "a"], name: $"mm{i}");
        b.Op("Identity", [x], output: "y", name: "out");
        b.AddOutput("y", new TensorType(DataType.Float, [256, 256]));
        using var so = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(OnnxFile.Serialize(OnnxModel.Create(b.Graph)), so);
        using var a = OrtValue.CreateTensorValueFromMemory(new float[256 * 256], [256, 256]);

        using var stop = new CancellationTokenSource();
        var collector = new Thread(() => { while (!stop.IsCancellationRequested) { GC.Collect(); GC.WaitForPendingFinalizers(); } });
        collector.Start();
        try
        {
            for (int k = 0; k < 30; k++)
            {
                _inRun = true;
                using var y = session.Run(new WatchedRunOptions(), ["a"], [a], ["y"]); // the pattern the repository avoids
                _inRun = false;
            }
        }
        finally
        {
            _inRun = false;
            stop.Cancel();
            collector.Join();
        }
        Assert.True(_releasedDuringRun > 0, "no run options were released during a run: ONNX Runtime now keeps them alive, and the rule below could be relaxed");
    }

    [Fact]
    public void No_code_passes_a_run_options_object_it_does_not_hold()
    {
        var inline = new Regex(@"\.Run\(\s*new\s+(?:Microsoft\.ML\.OnnxRuntime\.)?RunOptions\s*\(", RegexOptions.Compiled);
        var offenders = new List<string>();
        foreach (var folder in new[] { "src", "tools", "tests", "bench", "samples" })
        {
            var root = Path.Combine(RepoPaths.Root, folder);
            if (!Directory.Exists(root)) continue;
            foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    || file.EndsWith(nameof(RunOptionsLifetimeTests) + ".cs", StringComparison.Ordinal)) continue;
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                    if (inline.IsMatch(lines[i])) offenders.Add($"{Path.GetRelativePath(RepoPaths.Root, file)}:{i + 1}");
            }
        }
        Assert.True(offenders.Count == 0, "RunOptions created inside a Run call (hold it in a variable that outlives the call): " + string.Join(", ", offenders));
    }
}
