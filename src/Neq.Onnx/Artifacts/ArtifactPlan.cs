using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Neurons;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Artifacts;

/// <summary>A running statistic of a BatchNormalization: input <see cref="Name"/>, updated in <c>Name.out</c>.</summary>
sealed record RunningStatistic(string Name, TensorType Type, string Layer);

/// <summary>
/// What every artifact is built from, read once from the normalized forward model: its data inputs
/// and prediction, its neuron layers (masked, classifier excluded), its trainable parameters and
/// the BatchNormalization running statistics.
/// </summary>
sealed class ArtifactPlan
{
    // Inputs of these operators at these positions are learned when they are float initializers
    // (besides every parameter of a neuron layer): the weights and biases of layers that are not
    // neurons (the classifier, grouped convs' later users…). BN's inputs 3 and 4 are statistics.
    static readonly Dictionary<string, int[]> LearnedInputs = new(StringComparer.Ordinal)
    {
        ["Conv"] = [1, 2], ["ConvTranspose"] = [1, 2], ["Gemm"] = [0, 1, 2], ["MatMul"] = [0, 1],
        ["BatchNormalization"] = [1, 2], ["InstanceNormalization"] = [1, 2], ["LayerNormalization"] = [1, 2],
        ["PRelu"] = [1],
    };

    public required long Opset { get; init; }
    public required IReadOnlyList<string> DataInputs { get; init; }
    public required string Prediction { get; init; }
    public required TensorType PredictionType { get; init; }
    /// <summary>What the loss reads: the prediction, or the logits before a trailing Softmax/LogSoftmax/Sigmoid (cross-entropy).</summary>
    public required string LossInput { get; init; }
    public required TensorType LossInputType { get; init; }
    public required bool HasCorrect { get; init; }
    /// <summary>A one-column output after a trailing Sigmoid: binary cross-entropy of the logit before it, labels 0/1.</summary>
    public required bool Binary { get; init; }
    public required IReadOnlyList<NeuronLayer> Layers { get; init; }
    public required IReadOnlyList<TrainableParameter> Parameters { get; init; }
    public required IReadOnlyList<RunningStatistic> RunningStatistics { get; init; }
    public required IReadOnlyList<NodeProto> BatchNorms { get; init; }
    public required ShapeInferenceResult Shapes { get; init; }

    /// <summary>The inferred type of a value of the forward graph (rank unknown when not inferred).</summary>
    public TensorType TypeOf(string value) => Shapes.TypeOf(value) ?? new TensorType(DataType.Float, null);

    /// <summary>The labels input's type: int64[N] class indices (cross-entropy) or the prediction's type (MSE).</summary>
    public TensorType LabelsType(LossKind loss) =>
        loss == LossKind.CrossEntropy ? new TensorType(DataType.Int64, [PredictionType.Shape![0]]) : PredictionType;

    public static ArtifactPlan Of(ModelProto model, ArtifactOptions options)
    {
        var graph = model.Graph;
        var opset = model.OpsetOf("") ?? OnnxModel.DefaultOpset;
        var inits = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var shapes = ShapeInference.Infer(model);

        if (graph.Output.Count == 0) throw new OnnxFormatException("The model has no outputs: there is nothing to train.");
        var prediction = options.Prediction ?? DefaultPrediction(graph, shapes);
        if (!graph.Output.Any(o => o.Name == prediction))
            throw new OnnxFormatException($"'{prediction}' is not an output of the model (outputs: {string.Join(", ", graph.Output.Select(o => o.Name))}).");
        var predictionType = shapes.TypeOf(prediction) ?? graph.Output.Where(o => o.Name == prediction).Select(TensorType.FromValueInfo).FirstOrDefault()
            ?? throw new OnnxFormatException($"The type of the output '{prediction}' is unknown.");
        if (predictionType.ElemType != DataType.Float || predictionType.Rank is null or 0)
            throw new OnnxFormatException($"The output '{prediction}' is {predictionType}; training needs a float32 tensor with a batch axis.");
        if (options.Loss == LossKind.CrossEntropy && predictionType.Rank != 2)
            throw new OnnxFormatException($"Cross-entropy needs float[N,K] logits, but '{prediction}' is {predictionType}; use the MSE loss for other outputs.");

        var (lossInput, lossInputType) = options.Loss == LossKind.CrossEntropy ? LogitsOf(graph, shapes, opset, prediction, predictionType) : (prediction, predictionType);
        bool binary = options.Loss == LossKind.CrossEntropy && predictionType.Shape![1].Value == 1;
        if (binary && lossInput == prediction)
            throw new OnnxFormatException($"The output '{prediction}' is {predictionType}: one column trains as a binary classifier only after a trailing Sigmoid "
                + "(its logit then feeds a binary cross-entropy); use the MSE loss for a one-column regression.");

        var layers = NeuronLayers.Find(model, new NeuronLayerOptions(IncludeClassifier: false));
        var everyLayer = NeuronLayers.Find(model, new NeuronLayerOptions(IncludeClassifier: true));

        // Running statistics: BN inputs 3 and 4, one pair per BN node (they are updated per node).
        var batchNorms = graph.Node.Where(n => OnnxDomain.IsOnnx(n.Domain) && n.OpType == "BatchNormalization").ToList();
        var stats = new List<RunningStatistic>();
        var statNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var bn in batchNorms)
        {
            if (bn.Output.Count > 1)
                throw new OnnxFormatException($"BatchNormalization '{bn.Name}' is already in training mode; build artifacts from the inference-mode forward model.");
            foreach (var v in bn.Input.Skip(3).Take(2))
            {
                if (!inits.TryGetValue(v, out var t))
                    throw new OnnxFormatException($"BatchNormalization '{bn.Name}': the running statistic '{v}' must be an initializer.");
                if (!statNames.Add(v))
                    throw new OnnxFormatException($"The running statistic '{v}' is shared by two BatchNormalization nodes; each needs its own.");
                stats.Add(new RunningStatistic(v, TensorType.Of((DataType)t.DataType, t.Dims.ToArray()), bn.Name));
            }
        }

        // Trainable parameters, in initializer order, with the mask that gates each.
        var learned = new HashSet<string>(everyLayer.SelectMany(l => l.Parameters).Select(p => p.Name), StringComparer.Ordinal);
        foreach (var n in graph.Node)
            if (OnnxDomain.IsOnnx(n.Domain) && LearnedInputs.TryGetValue(n.OpType, out var positions))
                foreach (var k in positions)
                    if (k < n.Input.Count && inits.ContainsKey(n.Input[k])) learned.Add(n.Input[k]);
        learned.ExceptWith(statNames);
        var gates = new Dictionary<string, (string Mask, int Axis)>(StringComparer.Ordinal);
        foreach (var l in layers)
            foreach (var p in l.Parameters)
                if (!gates.TryAdd(p.Name, (l.Mask, p.ChannelAxis)))
                    throw new OnnxFormatException($"Parameter '{p.Name}' is gated by two layers ('{gates[p.Name].Mask}' and '{l.Mask}').");
        var parameters = new List<TrainableParameter>();
        foreach (var t in graph.Initializer)
        {
            if (!learned.Contains(t.Name)) continue;
            var type = TensorType.Of((DataType)t.DataType, t.Dims.ToArray());
            if (type.ElemType != DataType.Float)
                throw new OnnxFormatException($"Parameter '{t.Name}' is {type}; training supports float32 parameters.");
            parameters.Add(gates.TryGetValue(t.Name, out var g) ? new TrainableParameter(t.Name, type, g.Mask, g.Axis) : new TrainableParameter(t.Name, type));
        }
        if (parameters.Count == 0) throw new OnnxFormatException("The model has no trainable parameters (float initializers read as weights or biases).");

        var dataInputs = graph.Input.Select(v => v.Name).Where(n => !inits.ContainsKey(n)).ToList();
        var plan = new ArtifactPlan
        {
            Opset = opset,
            DataInputs = dataInputs,
            Prediction = prediction,
            PredictionType = predictionType,
            LossInput = lossInput,
            LossInputType = lossInputType,
            HasCorrect = options.Loss == LossKind.CrossEntropy,
            Binary = binary,
            Layers = layers,
            Parameters = parameters,
            RunningStatistics = stats,
            BatchNorms = batchNorms,
            Shapes = shapes,
        };
        return plan;
    }

    /// <summary>The only float output, else one error listing the outputs to choose from.</summary>
    static string DefaultPrediction(GraphProto graph, ShapeInferenceResult shapes)
    {
        if (graph.Output.Count == 1) return graph.Output[0].Name;
        var floats = graph.Output.Where(o => (shapes.TypeOf(o.Name) ?? TensorType.FromValueInfo(o))?.ElemType == DataType.Float).Select(o => o.Name).ToList();
        if (floats.Count == 1) return floats[0];
        throw new OnnxFormatException($"The model has {(floats.Count == 0 ? "no float outputs" : $"{floats.Count} float outputs")} "
            + $"({string.Join(", ", graph.Output.Select(o => o.Name))}): name the one to train, its logits or probabilities (neq train --output, graph-builder artifacts --prediction).");
    }

    /// <summary>
    /// The logits the cross-entropy reads: the input of a Softmax or LogSoftmax over the classes
    /// that produces <paramref name="prediction"/> (a model that outputs probabilities), so that
    /// the loss is the stable LogSoftmax of the logits, or of a Sigmoid over one column (a binary
    /// classifier), so that the loss is the stable binary cross-entropy of the logit; else the
    /// prediction itself.
    /// </summary>
    static (string, TensorType) LogitsOf(GraphProto graph, ShapeInferenceResult shapes, long opset, string prediction, TensorType type)
    {
        var producer = graph.Node.FirstOrDefault(n => n.Output.Contains(prediction));
        if (producer is null || !OnnxDomain.IsOnnx(producer.Domain) || type.Rank != 2)
            return (prediction, type);
        // A Sigmoid over one column is a binary classifier's probability of class 1: its input is the logit.
        if (producer.OpType == "Sigmoid")
            return type.Shape![1].Value == 1 && shapes.TypeOf(producer.Input[0]) is { Rank: 2, ElemType: DataType.Float } logit ? (producer.Input[0], logit) : (prediction, type);
        if (producer.OpType is not ("Softmax" or "LogSoftmax"))
            return (prediction, type);
        // On a rank-2 value, axis 1 and −1 are the class axis both before opset 13 (flatten to 2-D
        // at the axis) and from it on (the axis itself); axis 0 normalises over the batch.
        long axis = producer.GetInt("axis", opset < 13 ? 1 : -1);
        if (axis is not (1 or -1) || shapes.TypeOf(producer.Input[0]) is not { Rank: 2 } logits || logits.ElemType != DataType.Float)
            return (prediction, type);
        return (producer.Input[0], logits);
    }

    /// <summary>The names of the values the artifacts add to the model's (docs/artifacts.md).</summary>
    public List<string> OwnNames()
    {
        var added = new List<string> { TrainingNames.Labels, TrainingNames.LearningRate, TrainingNames.Loss, TrainingNames.Correct, TrainingNames.AdamStep };
        foreach (var p in Parameters)
            added.AddRange([TrainingNames.Output(p.Name), TrainingNames.Gradient(p.Name), TrainingNames.Momentum(p.Name),
                TrainingNames.AdamFirstMoment(p.Name), TrainingNames.AdamSecondMoment(p.Name)]);
        foreach (var r in RunningStatistics) added.Add(TrainingNames.Output(r.Name));
        foreach (var l in Layers) added.AddRange([l.Mask, l.ActivationOutput]);
        return added;
    }

    /// <summary>The names the artifacts add that <paramref name="model"/> already uses.</summary>
    public IReadOnlyCollection<string> Collisions(ModelProto model)
    {
        var used = new GraphBuilder(model.Graph.Clone());
        return OwnNames().Where(used.IsUsed).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Fails when a name the artifacts add is still a value of the model (after <see cref="NameSwap"/>: a bug).</summary>
    public void CheckNamesAreFree(ModelProto model)
    {
        if (Collisions(model).FirstOrDefault() is { } name)
            throw new InvalidOperationException($"The model still has a value named '{name}', which the training artifacts need for their own.");
    }
}
