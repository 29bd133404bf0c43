using Neq.Onnx.Ir;

namespace Neq.Onnx.Graphs;

/// <summary>What <see cref="GraphBuilder.AddNode"/> appends: operator, wiring, attributes, name.</summary>
/// <param name="OpType">Operator type, e.g. "Conv".</param>
/// <param name="Inputs">Input value names; "" marks an omitted optional input.</param>
/// <param name="Outputs">Output value names; they must not be defined yet.</param>
/// <param name="Attributes">Attributes, in any order (they are written sorted by name).</param>
/// <param name="Name">Node name hint; the operator type when null.</param>
/// <param name="Domain">Operator set domain; "" is the default ONNX domain.</param>
public sealed record NodeSpec(
    string OpType,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    IEnumerable<AttributeProto>? Attributes = null,
    string? Name = null,
    string Domain = "");
