namespace Neq.Onnx.Graphs;

/// <summary>
/// ONNX Runtime's blocked-layout ("NCHWc") CPU operators, domain <c>com.microsoft.nchwc</c>
/// version 1: ReorderInput, ReorderOutput, Conv and the NCHWc pools. They exist only in ONNX
/// Runtime's CPU provider on x64 (MLAS block size above 1: 16 with AVX-512, 8 with AVX2) and are
/// documented "for internal use", so the project writes them only into graphs lowered for the
/// machine they run on (<see cref="Lowering.NchwcLowering"/>), never into saved artifacts.
/// </summary>
public static class NchwcDomain
{
    /// <summary>Domain name of the NCHWc operators.</summary>
    public const string Name = "com.microsoft.nchwc";

    /// <summary>The one version of the domain.</summary>
    public const long Version = 1;
}
