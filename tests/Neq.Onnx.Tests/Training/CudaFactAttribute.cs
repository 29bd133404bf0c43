using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Training;

namespace Neq.Onnx.Tests.Training;

/// <summary>
/// A fact that runs only where ONNX Runtime's CUDA provider loads and a session can start on it;
/// elsewhere it is skipped with what was missing (this build's provider list, or the loader's
/// error naming the library it could not find).
/// </summary>
public sealed class CudaFactAttribute : FactAttribute
{
    static readonly string? Missing = Probe();

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when CUDA is not usable here.</summary>
    public CudaFactAttribute()
    {
        if (Missing is not null) Skip = Missing;
    }

    static string? Probe()
    {
        var providers = OrtEnv.Instance().GetAvailableProviders();
        if (!providers.Contains("CUDAExecutionProvider"))
            return $"needs ONNX Runtime's CUDA provider, which this build lacks (the tests use the CPU package Microsoft.ML.OnnxRuntime; available providers: {string.Join(", ", providers)})";
        try
        {
            // Appending the provider loads libonnxruntime_providers_cuda.so and its CUDA 13 / cuDNN 9
            // dependencies; starting a session on it needs a GPU.
            using var so = Sessions.Options(1, "cuda");
            using var session = new InferenceSession(global::Neq.Onnx.Io.OnnxFile.Serialize(TinyClassifier.Model()), so);
            return null;
        }
        catch (Exception e)
        {
            return $"needs a GPU with the CUDA 13 runtime and cuDNN 9: {e.Message.Split('\n')[0]}";
        }
    }
}
