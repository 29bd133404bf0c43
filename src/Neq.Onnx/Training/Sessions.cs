using Microsoft.ML.OnnxRuntime;

namespace Neq.Onnx.Training;

/// <summary>ONNX Runtime session options for the trainer's graphs, on the CPU or the CUDA provider.</summary>
public static class Sessions
{
    /// <summary>
    /// Options with all graph optimisations and <paramref name="threads"/> intra-op threads (0: ONNX
    /// Runtime's default); on the CPU without memory pattern; for "cuda" with the CUDA execution
    /// provider — or one clear error saying what to install when this build or machine lacks it.
    /// Idle intra-op threads spin (ONNX Runtime's default): on a machine the training has to
    /// itself that is 6 % faster than letting them sleep, though under other load sleeping
    /// threads win by 1.5× (docs/speed.md, row 13).
    /// </summary>
    public static SessionOptions Options(int threads, string device)
    {
        OrtLog.Configure();
        var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            // Warnings reach the user through OrtLog, which drops the one about inputs with defaults.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
        };
        if (threads > 0) so.IntraOpNumThreads = threads;
        if (device != "cuda")
        {
            // The memory pattern (one block planned for all of a run's intermediates) costs memory
            // and no time here: without it the arena reuses freed buffers, and the ResNet-32 step's
            // peak RSS drops by about 165 MiB per session, no slower (docs/speed.md).
            so.EnableMemoryPattern = false;
        }
        else
        {
            try { so.AppendExecutionProvider_CUDA(0); }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                so.Dispose();
                throw new PlatformNotSupportedException(
                    "--device cuda: ONNX Runtime's CUDA provider could not be loaded. Build the trainer with the GPU package " +
                    "(dotnet build -p:OrtGpu=true, which uses Microsoft.ML.OnnxRuntime.Gpu) and install the CUDA 13 runtime " +
                    $"(libcudart.so.13, libcublas/libcublasLt.so.13, libcurand.so.10) and cuDNN 9 on the library path. ({e.Message.Split('\n')[0]})", e);
            }
        }
        return so;
    }
}
