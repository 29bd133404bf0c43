using Neq.Onnx.Ir;

namespace Neq.Onnx.Checking;

public static partial class GraphChecker
{
    sealed partial class Run
    {
        /// <summary>
        /// Checks that the node's domain is imported and that its operator exists there at the
        /// imported version, or is a function of the model.
        /// </summary>
        void CheckOperator(NodeProto node, string label, string display, IReadOnlyDictionary<string, long> imports)
        {
            var domain = StandardOperators.NormalizeDomain(node.Domain);
            var shown = domain.Length == 0 ? "ai.onnx" : domain;
            var op = node.OpType;
            bool imported = imports.TryGetValue(domain, out var version);
            if (!imported)
                Error(CheckCodes.MissingOpsetImport, label,
                    $"{display} uses operator domain '{shown}', which the model does not import (no opset_import entry).");
            if (_functions.Contains((domain, op, node.Overload))) return;

            if (StandardOperators.SinceVersion(domain, op) is { } since)
            {
                if (imported && since > version)
                    Error(CheckCodes.OperatorTooNew, label,
                        $"{display}: {op} exists from version {since} of '{shown}' on, but the model imports version {version}.");
                else if (imported && StandardOperators.DeprecatedSince(domain, op) is { } deprecated && version >= deprecated)
                    Warning(CheckCodes.DeprecatedOperator, label,
                        $"{display}: {op} is deprecated from version {deprecated} of '{shown}' on (the model imports {version}).");
            }
            else if (StandardOperators.IsStandardDomain(domain))
                Error(CheckCodes.UnknownOperator, label,
                    $"{display}: '{op}' is not an operator of '{shown}', and no function of the model defines it.");
            else if (domain == "com.microsoft" || domain.StartsWith("com.microsoft.", StringComparison.Ordinal))
                Warning(CheckCodes.ContribOperator, label,
                    $"{display}: {domain}::{op} is an ONNX Runtime contrib operator; it may not be available in every build or execution provider.");
            else
                Error(CheckCodes.UnknownOperator, label,
                    $"{display}: unknown operator {domain}::{op}; no function of the model defines it.");
        }
    }
}
