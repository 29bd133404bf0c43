using Neq.Onnx.Ir;

namespace Neq.Onnx.Checking;

public static partial class GraphChecker
{
    sealed partial class Run
    {
        const int ByInput = -1, ByInitializer = -2; // producer "indices" of values that no node makes

        /// <summary>
        /// Checks one body and, recursively, its subgraphs. Returns the names it reads from
        /// enclosing scopes: they are implicit inputs of the node that holds the subgraph.
        /// </summary>
        public HashSet<string> CheckBody(Body b, Scope? outer)
        {
            var producer = DefineValues(b, outer);
            var scope = new Scope(producer.Keys, outer);
            var free = new HashSet<string>(StringComparer.Ordinal);
            int n = b.Nodes.Count;
            var labels = new string[n];
            for (int i = 0; i < n; i++) labels[i] = Label(b.Prefix, b.Nodes[i], i);

            var succ = new List<int>[n]; // succ[p] holds the nodes that read an output of node p
            for (int i = 0; i < n; i++) succ[i] = [];
            var forward = new List<(int Node, string Value, int Producer)>();
            for (int i = 0; i < n; i++)
            {
                var node = b.Nodes[i];
                var display = Display(labels[i], node);
                if (node.OpType.Length == 0) Error(CheckCodes.EmptyOpType, labels[i], $"{display} has no operator type (op_type is empty).");
                else CheckOperator(node, labels[i], display, b.Imports);

                foreach (var name in node.Input)
                    Resolve(i, name, $"{display} reads '{name}', which is not {b.Sources}.");
                foreach (var (sub, tag) in Subgraphs(node))
                {
                    var kind = $"subgraph '{tag}' of {display}";
                    // The subgraph's reads of enclosing values are implicit inputs of this node:
                    // they order it after their producers, like explicit inputs.
                    foreach (var name in CheckBody(GraphBody(sub, kind, $"{labels[i]}/{tag}/", b.Imports), scope))
                        Resolve(i, name, $"{Cap(kind)} reads '{name}', which is not {b.Sources}.");
                }
            }

            void Resolve(int i, string name, string danglingMessage)
            {
                if (name.Length == 0) return; // an omitted optional input
                if (producer.TryGetValue(name, out var p))
                {
                    if (p < 0) return;
                    succ[p].Add(i);
                    if (p >= i) forward.Add((i, name, p));
                }
                else if (outer?.Defines(name) == true) free.Add(name);
                else Error(CheckCodes.DanglingInput, labels[i], danglingMessage);
            }

            var component = StronglyConnectedComponents(succ);
            ReportCycles(b, succ, component, labels);
            foreach (var (i, name, p) in forward)
                if (component[i] != component[p])
                    Error(CheckCodes.NotTopologicallySorted, labels[i],
                        $"{Display(labels[i], b.Nodes[i])} reads '{name}' before {Display(labels[p], b.Nodes[p])} produces it; " +
                        "ONNX requires nodes in topological order.");
            CheckOutputs(b, producer, outer, free);
            return free;
        }

        /// <summary>Maps every value the body defines to its producer; reports values defined twice.</summary>
        Dictionary<string, int> DefineValues(Body b, Scope? outer)
        {
            var producer = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var name in b.Inputs)
            {
                if (name.Length == 0) Error(CheckCodes.EmptyName, null, $"{Cap(b.Kind)} has an input with an empty name.");
                else if (!producer.TryAdd(name, ByInput)) Error(CheckCodes.DuplicateOutput, null, $"{Cap(b.Kind)} declares input '{name}' twice.");
            }
            foreach (var name in b.Initializers)
            {
                if (name.Length == 0) Error(CheckCodes.EmptyName, null, $"{Cap(b.Kind)} has an initializer with an empty name.");
                else if (!producer.TryAdd(name, ByInitializer) && producer[name] == ByInitializer)
                    Error(CheckCodes.DuplicateOutput, null, $"{Cap(b.Kind)} has two initializers named '{name}'.");
                // An initializer named like an input is that input's default value: allowed.
            }
            for (int i = 0; i < b.Nodes.Count; i++)
            {
                var node = b.Nodes[i];
                foreach (var o in node.Output)
                {
                    if (o.Length == 0) continue; // an omitted optional output
                    var label = Label(b.Prefix, node, i);
                    if (producer.TryGetValue(o, out var p))
                        Error(CheckCodes.DuplicateOutput, label, $"{Display(label, node)} produces '{o}', which {DefinedBy(b, p)} already defines.");
                    else if (outer?.Defines(o) == true)
                        Error(CheckCodes.DuplicateOutput, label, $"{Display(label, node)} produces '{o}', which an enclosing graph already defines " +
                            "(value names must be unique across a graph and its subgraphs).");
                    else producer[o] = i;
                }
            }
            return producer;
        }

        void CheckOutputs(Body b, Dictionary<string, int> producer, Scope? outer, HashSet<string> free)
        {
            if (b.Outputs.Count == 0) Error(CheckCodes.NoOutputs, null, $"{Cap(b.Kind)} declares no outputs.");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in b.Outputs)
            {
                if (name.Length == 0) Error(CheckCodes.EmptyName, null, $"{Cap(b.Kind)} has an output with an empty name.");
                else if (!seen.Add(name)) Error(CheckCodes.DuplicateOutput, null, $"{Cap(b.Kind)} lists output '{name}' twice.");
                else if (producer.ContainsKey(name)) continue;
                else if (outer?.Defines(name) == true) free.Add(name);
                else Error(CheckCodes.UndefinedGraphOutput, null,
                    $"Output '{name}' of {b.Kind} is not produced by any node and is not an input or initializer.");
            }
        }

        static string DefinedBy(Body b, int producer) => producer switch
        {
            ByInput => "an input of " + b.Kind,
            ByInitializer => "an initializer of " + b.Kind,
            _ => Display(Label(b.Prefix, b.Nodes[producer], producer), b.Nodes[producer]),
        };

        /// <summary>Graph-valued attributes (If branches, Loop and Scan bodies), with a display tag.</summary>
        static IEnumerable<(GraphProto Graph, string Tag)> Subgraphs(NodeProto node)
        {
            foreach (var a in node.Attribute)
            {
                if (a.G is not null) yield return (a.G, a.Name);
                for (int k = 0; k < a.Graphs.Count; k++) yield return (a.Graphs[k], $"{a.Name}[{k}]");
            }
        }

        /// <summary>The node's name, or "node #i (Op)" for an unnamed node; with its scope prefix.</summary>
        static string Label(string prefix, NodeProto node, int index) =>
            prefix + (node.Name.Length > 0 ? node.Name : $"node #{index} ({node.OpType})");

        /// <summary>How messages refer to a node: "node 'Conv_3' (Conv)", or its label when unnamed.</summary>
        static string Display(string label, NodeProto node) =>
            node.Name.Length > 0 ? $"node '{label}' ({node.OpType})" : label;

        static string Cap(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
    }
}
