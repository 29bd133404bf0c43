using Neq.Onnx.Autodiff;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Neurons;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// Builds the training artifacts of a forward model (docs/artifacts.md): train.onnx (one step:
/// batch, labels, lr, parameters, optimizer state, BN running statistics, masks → updated
/// parameters, state and statistics, loss, correct predictions), eval.onnx (inference-mode forward
/// → prediction and every neuron layer's activation), infer.onnx (the plain forward with the
/// parameters as initializers), optionally grad.onnx + update.onnx (the step split at the
/// gradients) and the manifest. Same model and options → byte-identical artifacts.
/// </summary>
public static partial class TrainingArtifacts
{
    /// <summary>Builds every artifact; <paramref name="forward"/> is not modified.</summary>
    /// <exception cref="OnnxFormatException">The model cannot be trained as asked (the message says why).</exception>
    public static TrainingArtifactSet Build(ModelProto forward, ArtifactOptions options) => Compile(forward, options).Artifacts;

    /// <summary>
    /// Builds every artifact and keeps what they were built from, so that a trainer can ask for
    /// train.onnx specialised to its masks (<see cref="ArtifactCompilation.SpecializedTrain"/>)
    /// without compiling the model again; <paramref name="forward"/> is not modified.
    /// </summary>
    /// <exception cref="OnnxFormatException">The model cannot be trained as asked (the message says why).</exception>
    public static ArtifactCompilation Compile(ModelProto forward, ArtifactOptions options)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(options);
        var optimizer = options.Optimizer.Create();
        var model = forward.Clone();
        // One training opset before anything is differentiated (old models keep their semantics).
        OpsetUpgrade.ToTraining(model);
        // Before anything reads shapes: a batch the exporter fixed would fix every artifact's batch.
        FixedBatch.MakeSymbolic(model);
        ModelNormalizer.Normalize(model);
        var plan = ArtifactPlan.Of(model, options);
        // The model's values that carry names the artifacts need are renamed while building, and
        // swapped back in every artifact written (the artifacts' own values take fresh names).
        var collisions = plan.Collisions(model);
        var (swap, prediction) = NameSwap.Prepare(model, collisions, plan.OwnNames(), options.Prediction);
        if (collisions.Count > 0)
        {
            plan = ArtifactPlan.Of(model, options with { Prediction = prediction });
            plan.CheckNamesAreFree(model);
        }

        var infer = model.Clone();
        var eval = BuildEval(model, plan);
        var (core, gradients) = BuildForwardBackward(model, plan, options);

        var train = core.Clone();
        AppendOptimizer(train, plan, optimizer, gradients);
        ModelProto? grad = null, update = null;
        if (options.Split)
        {
            grad = core;
            FinishGrad(grad, plan, gradients);
            update = OptimizerGraph.BuildUpdateModel(optimizer, plan.Parameters, plan.Layers.Select(l => (l.Mask, l.Channels)).ToArray(), plan.Opset);
        }
        var manifest = swap.Apply(ArtifactManifestWriter.Describe(TrainingArtifactSet.FilesOf(train, eval, infer, grad, update), plan, options, optimizer));
        var set = new TrainingArtifactSet(swap.Apply(train), swap.Apply(eval), swap.Apply(infer), grad is null ? null : swap.Apply(grad),
            update is null ? null : swap.Apply(update), manifest);
        return new ArtifactCompilation(model, plan, optimizer, options, swap, set);
    }

    /// <summary>
    /// A copy of <paramref name="infer"/> whose initializers named in <paramref name="values"/>
    /// (trained parameters and running statistics, by name) hold those values: the deployable model
    /// of a trained state. Every name must be a float32 initializer of the same element count.
    /// </summary>
    public static ModelProto WithTrainedValues(ModelProto infer, IReadOnlyDictionary<string, float[]> values)
    {
        ArgumentNullException.ThrowIfNull(infer);
        ArgumentNullException.ThrowIfNull(values);
        var copy = infer.Clone();
        var inits = copy.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var (name, data) in values)
        {
            if (!inits.TryGetValue(name, out var t) || (DataType)t.DataType != DataType.Float)
                throw new ArgumentException($"'{name}' is not a float32 initializer of the inference model.", nameof(values));
            if (t.ElementCount() != data.Length)
                throw new ArgumentException($"'{name}' has {t.ElementCount()} elements in the inference model, but {data.Length} were given.", nameof(values));
            var fresh = Tensors.Float(name, t.Dims.ToArray(), data);
            t.FloatData.Clear();
            t.RawData = fresh.RawData;
        }
        return copy;
    }

    // ---- eval.onnx ------------------------------------------------------------------------------

    static ModelProto BuildEval(ModelProto model, ArtifactPlan plan)
    {
        var eval = model.Clone();
        eval.Graph.Name = "eval";
        var b = new GraphBuilder(eval.Graph);
        foreach (var layer in plan.Layers)
        {
            // The value NEq hooks, exported under the layer's name (as MaskInjection exports it).
            b.AddNode(new NodeSpec("Identity", [layer.Activation], [layer.ActivationOutput], Name: layer.ActivationOutput));
            b.AddOutput(layer.ActivationOutput, plan.TypeOf(layer.Activation));
        }
        MakeInputs(eval.Graph, plan.Parameters.Select(p => p.Name).Concat(plan.RunningStatistics.Select(r => r.Name)));
        OrderInputs(eval.Graph, [.. plan.DataInputs, .. plan.Parameters.Select(p => p.Name), .. plan.RunningStatistics.Select(r => r.Name)]);
        return eval;
    }

    // ---- forward + loss + backward (shared by train.onnx and grad.onnx) -------------------------

    /// <param name="model">The normalized forward model.</param>
    /// <param name="plan">Its plan.</param>
    /// <param name="options">The artifact options.</param>
    /// <param name="known">Null for the general graph; else the masks the graph is specialised to
    /// (<see cref="KnownMasks"/>): only their trainable rows get gradient nodes.</param>
    /// <param name="weightGradAsConv">Conv weight gradients in the form for the NCHWc kernels (<see cref="GradientOptions.WeightGradAsConv"/>).</param>
    internal static (ModelProto Model, IReadOnlyDictionary<string, string> Gradients) BuildForwardBackward(ModelProto model, ArtifactPlan plan, ArtifactOptions options,
        KnownMasks? known = null, bool weightGradAsConv = false)
    {
        var core = model.Clone();
        core.Graph.Name = "train";
        var gated = MaskInjection.Inject(core, new MaskInjectionOptions(ExportActivations: false)).Layers;
        if (!gated.Select(l => l.Mask).SequenceEqual(plan.Layers.Select(l => l.Mask), StringComparer.Ordinal))
            throw new InvalidOperationException("Mask injection found other layers than NeuronLayers.Find.");
        // Masks keep the default-ones initializers the injection gives them (an input with a
        // default): a trainer that freezes nothing may leave them out. ONNX Runtime logs a warning
        // per such input at load; the trainer's sessions log errors only.
        foreach (var bn in plan.BatchNorms) Operators.BatchNormTraining.Replace(core, bn.Output[0], TrainingNames.Output(bn.Input[3]), TrainingNames.Output(bn.Input[4]));
        MakeInputs(core.Graph, plan.Parameters.Select(p => p.Name).Concat(plan.RunningStatistics.Select(r => r.Name)));
        ActivateDropout(core.Graph);

        // Only the prediction is an output while differentiating; the artifact's outputs come after.
        core.Graph.Output.Clear();
        var b = new GraphBuilder(core.Graph);
        var labels = b.AddInput(TrainingNames.Labels, plan.LabelsType(options.Loss));
        var e = new Emitter(b, plan.Opset, "loss");
        if (plan.Binary)
            Losses.BinaryCrossEntropy(e, plan.LossInput, labels, TrainingNames.Loss);
        else if (options.Loss == LossKind.CrossEntropy)
            Losses.SoftmaxCrossEntropy(e, plan.LossInput, plan.LossInputType, labels, TrainingNames.Loss);
        else
            Losses.MeanSquaredError(e, plan.Prediction, plan.PredictionType, labels, TrainingNames.Loss);

        var wrt = plan.Parameters.Where(p => known?.IsFrozen(p) != true).Select(p => p.Name).ToArray();
        var grads = Backward.Append(core, new GradientOptions(TrainingNames.Loss, wrt, known?.OnlyRows(core.Graph), weightGradAsConv));
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var w in wrt)
            named[w] = grads[w] ?? throw new OnnxFormatException($"The loss does not depend on parameter '{w}': nothing can train it.");
        if (known is not null)
        {
            var after = new GraphBuilder(core.Graph); // b does not know the names the backward pass took
            foreach (var p in plan.Parameters.Where(known.IsFrozen))
                named[p.Name] = KnownMasks.ZeroGradient(after, plan.Opset, p);
        }

        if (plan.Binary)
            Losses.BinaryCorrectCount(new Emitter(b, plan.Opset, "accuracy"), plan.LossInput, labels, TrainingNames.Correct);
        else if (options.Loss == LossKind.CrossEntropy)
            Losses.CorrectCount(new Emitter(b, plan.Opset, "accuracy"), plan.Prediction, labels, TrainingNames.Correct);
        return (core, named);
    }

    /// <summary>
    /// Every Dropout of the step drops: training_mode a constant true, its ratio kept (0.5 when
    /// absent), a seed per node so that a step is reproducible from the artifacts, and the mask as
    /// an output for its gradient. eval.onnx and infer.onnx keep Dropout in inference mode (identity).
    /// </summary>
    static void ActivateDropout(GraphProto graph)
    {
        var b = new GraphBuilder(graph);
        int k = 0;
        foreach (var node in graph.Node.Where(n => OnnxDomain.IsOnnx(n.Domain) && n.OpType == "Dropout").ToList())
        {
            k++;
            var on = b.UniqueName(node.Output[0] + "_training");
            var t = new TensorProto { Name = on, DataType = (int)DataType.Bool };
            t.Int32Data.Add(1);
            graph.Initializer.Add(t);
            while (node.Input.Count < 2) node.Input.Add("");
            if (node.Input.Count == 2) node.Input.Add(on);
            else node.Input[2] = on;
            if (node.Output.Count < 2) node.Output.Add(b.UniqueName(node.Output[0] + "_mask"));
            else if (node.Output[1].Length == 0) node.Output[1] = b.UniqueName(node.Output[0] + "_mask");
            if (node.Find("seed") is null) node.Attribute.Add(Attr.Int("seed", k));
        }
    }

    internal static void FinishGrad(ModelProto grad, ArtifactPlan plan, IReadOnlyDictionary<string, string> gradients)
    {
        grad.Graph.Name = "grad";
        var b = new GraphBuilder(grad.Graph);
        AddLossOutputs(b, plan);
        foreach (var p in plan.Parameters)
        {
            // Gradients keep the names <w>_grad so that update.onnx reads them under the same names.
            var g = gradients[p.Name];
            if (g != TrainingNames.Gradient(p.Name)) g = new Emitter(b, plan.Opset, g).IdentityTo(g, TrainingNames.Gradient(p.Name));
            b.AddOutput(g, p.Type);
        }
        foreach (var r in plan.RunningStatistics) b.AddOutput(TrainingNames.Output(r.Name), r.Type);
        OrderInputs(grad.Graph, [.. plan.DataInputs, TrainingNames.Labels, .. plan.Parameters.Select(p => p.Name),
            .. plan.RunningStatistics.Select(r => r.Name), .. plan.Layers.Select(l => l.Mask)]);
    }

    internal static void AppendOptimizer(ModelProto train, ArtifactPlan plan, IOptimizer optimizer, IReadOnlyDictionary<string, string> gradients)
    {
        var b = new GraphBuilder(train.Graph);
        b.AddInput(TrainingNames.LearningRate, TensorType.Of(DataType.Float));
        var state = OptimizerGraph.Append(b, plan.Opset, optimizer, plan.Parameters, gradients);
        foreach (var s in state) b.AddInput(s.Name, s.Type);
        AddLossOutputs(b, plan);
        foreach (var p in plan.Parameters) b.AddOutput(TrainingNames.Output(p.Name), p.Type);
        foreach (var s in state) b.AddOutput(TrainingNames.Output(s.Name), s.Type);
        foreach (var r in plan.RunningStatistics) b.AddOutput(TrainingNames.Output(r.Name), r.Type);
        OrderInputs(train.Graph, [.. plan.DataInputs, TrainingNames.Labels, TrainingNames.LearningRate, .. plan.Parameters.Select(p => p.Name),
            .. state.Select(s => s.Name), .. plan.RunningStatistics.Select(r => r.Name), .. plan.Layers.Select(l => l.Mask)]);
    }

    static void AddLossOutputs(GraphBuilder b, ArtifactPlan plan)
    {
        b.AddOutput(TrainingNames.Loss, TensorType.Of(DataType.Float));
        if (plan.HasCorrect) b.AddOutput(TrainingNames.Correct, TensorType.Of(DataType.Int64));
        // The batch's prediction too, so a trainer can report training top-k without a second pass.
        b.AddOutput(plan.Prediction, plan.PredictionType);
    }

    // ---- graph plumbing -------------------------------------------------------------------------

    /// <summary>Turns initializers into graph inputs of the same name and type.</summary>
    static void MakeInputs(GraphProto graph, IEnumerable<string> names)
    {
        var set = new HashSet<string>(names, StringComparer.Ordinal);
        for (int k = graph.Initializer.Count - 1; k >= 0; k--)
        {
            var t = graph.Initializer[k];
            if (!set.Remove(t.Name)) continue;
            graph.Initializer.RemoveAt(k);
            graph.Input.Add(TensorType.Of((DataType)t.DataType, t.Dims.ToArray()).ToValueInfo(t.Name));
        }
        if (set.Count > 0) throw new InvalidOperationException($"No initializer named '{set.First()}'.");
    }

    /// <summary>Puts the graph inputs in <paramref name="order"/> (every input must be named exactly once).</summary>
    static void OrderInputs(GraphProto graph, IReadOnlyList<string> order)
    {
        var byName = graph.Input.ToDictionary(v => v.Name, StringComparer.Ordinal);
        if (order.Count != byName.Count || order.Any(n => !byName.ContainsKey(n)))
            throw new InvalidOperationException($"Input order [{string.Join(", ", order)}] does not match the inputs [{string.Join(", ", byName.Keys)}].");
        graph.Input.Clear();
        foreach (var n in order) graph.Input.Add(byName[n]);
    }
}
