using Neq.Onnx.Graphs;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// Keeps the artifacts' own values (labels, lr, loss, correct, adam.step, <c>&lt;w&gt;.out</c>,
/// gradients, optimizer state, masks, activations) apart from the model's: a model that already
/// uses one of those names (a Keras softmax output named <c>loss</c>, a value named
/// <c>labels</c>) has it renamed to a temporary name while the artifacts are built, and every
/// built graph then swaps back: the model's values get their own names again and the artifacts'
/// colliding values get fresh ones (<c>loss</c> → <c>loss_1</c>), which the manifest records.
/// The model's inputs and outputs therefore keep their names in every artifact.
/// </summary>
sealed class NameSwap
{
    readonly Dictionary<string, string> _map;

    NameSwap(Dictionary<string, string> map) => _map = map;

    /// <summary>No collisions: every name stays.</summary>
    public static NameSwap None { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>The name a built value takes in the artifacts written.</summary>
    public string this[string name] => _map.GetValueOrDefault(name, name);

    /// <summary>
    /// Renames the values of <paramref name="model"/> named in <paramref name="collisions"/> to
    /// temporary names, in place; returns the swap to apply to the built artifacts and the
    /// temporary name of <paramref name="prediction"/> (null stays null).
    /// </summary>
    public static (NameSwap Swap, string? Prediction) Prepare(ModelProto model, IReadOnlyCollection<string> collisions,
        IReadOnlyCollection<string> ownNames, string? prediction)
    {
        if (collisions.Count == 0) return (None, prediction);
        var taken = new GraphBuilder(model.Graph.Clone());
        foreach (var n in ownNames) taken.UniqueName(n);
        var toTemp = new Dictionary<string, string>(StringComparer.Ordinal);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in collisions.Order(StringComparer.Ordinal))
        {
            var temp = taken.UniqueName(v + "__model");
            toTemp[v] = temp;
            map[temp] = v;
        }
        foreach (var v in collisions.Order(StringComparer.Ordinal)) map[v] = Fresh(taken, v);
        RenameGraph(model.Graph, n => toTemp.GetValueOrDefault(n, n));
        return (new NameSwap(map), prediction is null ? null : toTemp.GetValueOrDefault(prediction, prediction));
    }

    /// <summary><c>name_1</c>, <c>name_2</c>, … : the first not used by the model or the artifacts.</summary>
    static string Fresh(GraphBuilder taken, string name)
    {
        for (int k = 1; ; k++)
            if (!taken.IsUsed($"{name}_{k}")) return taken.UniqueName($"{name}_{k}");
    }

    /// <summary>Applies the swap to a built graph in place (subgraphs included).</summary>
    public ModelProto Apply(ModelProto model)
    {
        if (_map.Count > 0) RenameGraph(model.Graph, n => this[n]);
        return model;
    }

    static void RenameGraph(GraphProto g, Func<string, string> map)
    {
        foreach (var v in g.Input.Concat(g.Output).Concat(g.ValueInfo)) v.Name = map(v.Name);
        foreach (var t in g.Initializer) t.Name = map(t.Name);
        foreach (var n in g.Node)
        {
            for (int i = 0; i < n.Input.Count; i++) if (n.Input[i].Length > 0) n.Input[i] = map(n.Input[i]);
            for (int i = 0; i < n.Output.Count; i++) if (n.Output[i].Length > 0) n.Output[i] = map(n.Output[i]);
            foreach (var a in n.Attribute)
            {
                if (a.G is not null) RenameGraph(a.G, map);
                foreach (var sub in a.Graphs) RenameGraph(sub, map);
            }
        }
    }

    /// <summary>The manifest with every value name swapped (layer names are node names and stay).</summary>
    public ArtifactManifest Apply(ArtifactManifest m)
    {
        if (_map.Count == 0) return m;
        ManifestTensor T(ManifestTensor t) => t with { Name = this[t.Name] };
        string? N(string? name) => name is null ? null : this[name];
        return m with
        {
            DataInputs = m.DataInputs.Select(T).ToArray(),
            Labels = T(m.Labels),
            LearningRate = this[m.LearningRate],
            LossOutput = this[m.LossOutput],
            CorrectOutput = N(m.CorrectOutput),
            Prediction = this[m.Prediction],
            Parameters = m.Parameters.Select(p => p with
            {
                Name = this[p.Name], Gradient = this[p.Gradient], Output = this[p.Output], Mask = N(p.Mask),
                State = p.State.Select(s => this[s]).ToArray(),
            }).ToArray(),
            // An optimizer state's owner is a parameter; a running statistic's is a layer (a node).
            OptimizerState = m.OptimizerState.Select(s => s with { Name = this[s.Name], Output = this[s.Output], Owner = N(s.Owner) }).ToArray(),
            RunningStatistics = m.RunningStatistics.Select(s => s with { Name = this[s.Name], Output = this[s.Output] }).ToArray(),
            Masks = m.Masks.Select(k => k with
            {
                Name = this[k.Name], Activation = this[k.Activation],
                Parameters = k.Parameters.Select(g => g with { Parameter = this[g.Parameter] }).ToArray(),
            }).ToArray(),
            Activations = m.Activations.Select(a => a with { Name = this[a.Name] }).ToArray(),
            Graphs = m.Graphs.Select(g => g with { Inputs = g.Inputs.Select(T).ToArray(), Outputs = g.Outputs.Select(T).ToArray() }).ToArray(),
        };
    }
}
