namespace Neq.Onnx.Checking;

/// <summary>The values of <see cref="CheckIssue.Code"/>, one per kind of defect.</summary>
public static class CheckCodes
{
    /// <summary>The model has no graph.</summary>
    public const string NoGraph = "no-graph";

    /// <summary>A graph, subgraph or function declares no outputs.</summary>
    public const string NoOutputs = "no-outputs";

    /// <summary>A graph input, output or initializer has an empty name.</summary>
    public const string EmptyName = "empty-name";

    /// <summary>A node has no operator type.</summary>
    public const string EmptyOpType = "empty-op-type";

    /// <summary>A node reads a value that nothing defines.</summary>
    public const string DanglingInput = "dangling-input";

    /// <summary>A node reads a value that a later node produces (and no cycle explains it).</summary>
    public const string NotTopologicallySorted = "not-topologically-sorted";

    /// <summary>Nodes depend on each other in a cycle.</summary>
    public const string Cycle = "cycle";

    /// <summary>A value is defined twice (two producers, or a producer and an input/initializer).</summary>
    public const string DuplicateOutput = "duplicate-output";

    /// <summary>A graph output is not produced by any node, input or initializer.</summary>
    public const string UndefinedGraphOutput = "undefined-graph-output";

    /// <summary>A node's domain is not in the model's (or function's) opset_import.</summary>
    public const string MissingOpsetImport = "missing-opset-import";

    /// <summary>No standard operator set and no model function defines the node's operator.</summary>
    public const string UnknownOperator = "unknown-operator";

    /// <summary>The operator exists only in a newer opset than the one imported.</summary>
    public const string OperatorTooNew = "operator-too-new";

    /// <summary>The operator is deprecated in the imported opset (warning).</summary>
    public const string DeprecatedOperator = "deprecated-operator";

    /// <summary>An ONNX Runtime contrib operator (com.microsoft), not available in every runtime (warning).</summary>
    public const string ContribOperator = "contrib-operator";

    /// <summary>Two model functions share a domain, name and overload.</summary>
    public const string DuplicateFunction = "duplicate-function";
}
