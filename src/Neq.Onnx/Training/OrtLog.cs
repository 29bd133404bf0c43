using Microsoft.ML.OnnxRuntime;

namespace Neq.Onnx.Training;

/// <summary>
/// ONNX Runtime's log, routed through one place: its environment is created once per process with
/// a logging function that forwards warnings and errors to <see cref="Sink"/> (standard error by
/// default) as <c>onnxruntime warning: …</c> lines — except the one warning that says nothing to a
/// user of this project. Every training artifact has inputs with defaults by design (masks are
/// graph inputs whose initializers are all ones, so a graph runs unchanged when nobody feeds them),
/// and ONNX Runtime warns "Initializer … appears in graph inputs and will not be treated as
/// constant" once per such input per session: hundreds of lines per run. Warnings that do tell
/// something (a node falling back from CUDA to the CPU, an unused initializer in a user's model)
/// still reach the user.
/// </summary>
public static class OrtLog
{
    /// <summary>The fragment that identifies the input-with-default warning (onnxruntime/core/graph/graph.cc).</summary>
    const string InputWithDefault = "appears in graph inputs and will not be treated as constant";

    static readonly Lock Gate = new();
    // Native code holds this delegate for the life of the process: the field keeps the GC from collecting it.
    static DOrtLoggingFunction? _callback;
    static volatile TextWriter _sink = Console.Error;

    /// <summary>Where forwarded lines go (standard error unless set).</summary>
    public static TextWriter Sink
    {
        get => _sink;
        set => _sink = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// Creates ONNX Runtime's environment with this logger, unless one exists already. Call it before
    /// the first session (<see cref="Sessions.Options"/> does); later calls do nothing.
    /// </summary>
    /// <returns>True when the environment logs through this class; false when another part of the
    /// process created it first (it then logs with ONNX Runtime's default sink).</returns>
    public static bool Configure()
    {
        lock (Gate)
        {
            if (_callback is not null) return true;
            if (OrtEnv.IsCreated) return false;
            _callback = Write;
            var options = new EnvironmentCreationOptions
            {
                logId = "neq",
                logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
                loggingFunction = _callback,
            };
            OrtEnv.CreateInstanceWithOptions(ref options);
            return true;
        }
    }

    /// <summary>Called with each message dropped (tests check that the dropped warning really occurs).</summary>
    internal static event Action<string>? Dropped;

    /// <summary>Whether a message of ONNX Runtime's is dropped rather than forwarded.</summary>
    public static bool IsDropped(string message) => message.Contains(InputWithDefault, StringComparison.Ordinal);

    static void Write(IntPtr param, OrtLoggingLevel severity, string category, string logId, string codeLocation, string message)
    {
        if (severity < OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING) return;
        if (IsDropped(message))
        {
            Dropped?.Invoke(message);
            return;
        }
        var level = severity >= OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR ? "error" : "warning";
        var sink = _sink;
        lock (sink) sink.WriteLine($"onnxruntime {level}: {message}");
    }
}
