namespace Neq.Onnx.Checking;

/// <summary>One finding of <see cref="GraphChecker.Check"/>.</summary>
/// <param name="Severity">Error (invalid graph) or warning.</param>
/// <param name="Code">A stable identifier of the kind of defect, one of <see cref="CheckCodes"/>.</param>
/// <param name="NodeName">
/// The node at fault: its name, or "node #12 (Conv)" when it has none; nodes of subgraphs and
/// functions are prefixed with their enclosing scope ("If_0/then_branch/Add_3"). Null when the
/// issue is not about a node (a graph output, a missing graph).
/// </param>
/// <param name="Message">A complete sentence for a user; it names the node and the values involved.</param>
public sealed record CheckIssue(CheckSeverity Severity, string Code, string? NodeName, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{(Severity == CheckSeverity.Error ? "error" : "warning")} [{Code}] {Message}";
}
