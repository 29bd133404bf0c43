namespace Neq.Onnx.Graphs;

/// <summary>The default ONNX operator domain, which models spell two ways.</summary>
public static class OnnxDomain
{
    /// <summary>True for ONNX's own operator domain: "" or its explicit name "ai.onnx".</summary>
    public static bool IsOnnx(string domain) => domain is "" or "ai.onnx";
}
