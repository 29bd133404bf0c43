using System.Globalization;
using System.Text;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Checking;

/// <summary>
/// Checks a model's structure before ONNX Runtime sees it, so that a defect is reported with the
/// node that has it instead of as a runtime load failure: dangling inputs, values defined twice,
/// nodes out of topological order, cycles, graph outputs that nothing produces, missing opset
/// imports and unknown (or too new) operators. Subgraphs (If/Loop/Scan bodies) are checked with
/// the enclosing graphs' values visible; model functions are checked with only their own.
/// Types and shapes are not checked (see <c>ShapeInference</c>).
/// </summary>
public static partial class GraphChecker
{
    const int MaxListedErrors = 5;

    /// <summary>
    /// Every issue found, errors and warnings, in graph order. Never throws, whatever the model
    /// holds.
    /// </summary>
    public static IReadOnlyList<CheckIssue> Check(ModelProto model)
    {
        var run = new Run(model);
        if (model.Graph is null)
        {
            run.Error(CheckCodes.NoGraph, null, "The model has no graph.");
            return run.Issues;
        }
        run.CheckFunctions();
        var g = model.Graph;
        var kind = g.Name.Length > 0 ? $"graph '{g.Name}'" : "the main graph";
        run.CheckBody(run.GraphBody(g, kind, prefix: "", run.ModelImports), outer: null);
        return run.Issues;
    }

    /// <summary>
    /// Throws an <see cref="OnnxFormatException"/> when <see cref="Check"/> finds errors; its
    /// message lists the first few, each naming <paramref name="source"/> and the node. Warnings
    /// do not throw.
    /// </summary>
    public static void ThrowIfInvalid(ModelProto model, string source)
    {
        var errors = Check(model).Where(i => i.Severity == CheckSeverity.Error).ToList();
        if (errors.Count == 0) return;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"{source}: the ONNX graph is not valid ({errors.Count} error{(errors.Count == 1 ? "" : "s")}):");
        foreach (var e in errors.Take(MaxListedErrors))
            text.Append(CultureInfo.InvariantCulture, $"\n  {source}: {e.Message}");
        if (errors.Count > MaxListedErrors)
            text.Append(CultureInfo.InvariantCulture, $"\n  … and {errors.Count - MaxListedErrors} more.");
        throw new OnnxFormatException(text.ToString());
    }

    /// <summary>The state of one <see cref="Check"/> call.</summary>
    sealed partial class Run
    {
        public List<CheckIssue> Issues { get; } = [];
        public IReadOnlyDictionary<string, long> ModelImports { get; }
        readonly ModelProto _model;
        readonly HashSet<(string Domain, string Name, string Overload)> _functions = [];

        public Run(ModelProto model)
        {
            _model = model;
            var imports = Imports(model.OpsetImport, fallback: null);
            // Before IR version 3 there was no opset_import; such models use opset 1.
            if (imports.Count == 0 && model.IrVersion < 3) imports[StandardOperators.OnnxDomain] = 1;
            ModelImports = imports;
        }

        public void Error(string code, string? node, string message) =>
            Issues.Add(new CheckIssue(CheckSeverity.Error, code, node, message));

        public void Warning(string code, string? node, string message) =>
            Issues.Add(new CheckIssue(CheckSeverity.Warning, code, node, message));

        /// <summary>Registers the model's functions (so nodes may call them) and checks their bodies.</summary>
        public void CheckFunctions()
        {
            foreach (var f in _model.Functions)
            {
                var key = (StandardOperators.NormalizeDomain(f.Domain), f.Name, f.Overload);
                if (!_functions.Add(key))
                    Error(CheckCodes.DuplicateFunction, null, $"The model defines function '{FunctionName(f)}' twice.");
            }
            foreach (var f in _model.Functions)
            {
                var name = FunctionName(f);
                var body = new Body($"function '{name}'", $"function {name}/", f.Node, f.Input, [], f.Output,
                    Imports(f.OpsetImport, ModelImports), "a function input or the output of a node of the function");
                CheckBody(body, outer: null);
            }
        }

        public Body GraphBody(GraphProto g, string kind, string prefix, IReadOnlyDictionary<string, long> imports)
        {
            var initializers = g.Initializer.Select(t => t.Name)
                .Concat(g.SparseInitializer.Select(s => s.Values?.Name ?? ""))
                .ToList();
            var sources = prefix.Length == 0
                ? "a graph input, an initializer or the output of any node"
                : "an input, initializer or node output of the subgraph or of an enclosing graph";
            return new Body(kind, prefix, g.Node, g.Input.Select(v => v.Name).ToList(), initializers,
                g.Output.Select(v => v.Name).ToList(), imports, sources);
        }

        static string FunctionName(FunctionProto f) =>
            (f.Domain.Length > 0 ? f.Domain + "::" : "") + f.Name + (f.Overload.Length > 0 ? ":" + f.Overload : "");

        static Dictionary<string, long> Imports(IEnumerable<OperatorSetIdProto> ids, IReadOnlyDictionary<string, long>? fallback)
        {
            var map = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var id in ids) map.TryAdd(StandardOperators.NormalizeDomain(id.Domain), id.Version);
            if (fallback is not null)
                foreach (var (domain, version) in fallback) map.TryAdd(domain, version);
            return map;
        }
    }

    /// <summary>
    /// A list of nodes with the values they may read: a graph, a subgraph or a function body.
    /// <paramref name="Kind"/> names it in messages, <paramref name="Prefix"/> qualifies its node
    /// names, <paramref name="Sources"/> says where a read value may come from.
    /// </summary>
    sealed record Body(
        string Kind,
        string Prefix,
        IReadOnlyList<NodeProto> Nodes,
        IReadOnlyList<string> Inputs,
        IReadOnlyList<string> Initializers,
        IReadOnlyList<string> Outputs,
        IReadOnlyDictionary<string, long> Imports,
        string Sources);

    /// <summary>The value names a body defines, chained to those of the enclosing bodies.</summary>
    sealed class Scope(IEnumerable<string> names, Scope? outer)
    {
        readonly HashSet<string> _names = new(names, StringComparer.Ordinal);
        readonly Scope? _outer = outer;

        public bool Defines(string name)
        {
            for (var s = this; s is not null; s = s._outer)
                if (s._names.Contains(name)) return true;
            return false;
        }
    }
}
