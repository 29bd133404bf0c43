namespace Neq.Onnx.Checking;

/// <summary>How serious a <see cref="CheckIssue"/> is.</summary>
public enum CheckSeverity
{
    /// <summary>The graph is invalid: ONNX Runtime would reject it or compute something else.</summary>
    Error,

    /// <summary>The graph is valid ONNX but may not run everywhere (contrib or deprecated operators).</summary>
    Warning,
}
