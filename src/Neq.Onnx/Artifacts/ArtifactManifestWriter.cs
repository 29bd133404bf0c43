using Neq.Onnx.Ir;
using Neq.Onnx.Neurons;
using Neq.Onnx.Shapes;

namespace Neq.Onnx.Artifacts;

/// <summary>Describes a built artifact set as its <see cref="ArtifactManifest"/>.</summary>
static class ArtifactManifestWriter
{
    public static ArtifactManifest Describe(IReadOnlyList<(string File, ModelProto Model)> files, ArtifactPlan plan, ArtifactOptions options, IOptimizer optimizer)
    {
        var train = files.Single(f => f.File == TrainingArtifactSet.TrainFile).Model;
        var trainInputs = train.Graph.Input.ToDictionary(v => v.Name, Tensor, StringComparer.Ordinal);
        var slots = plan.Parameters.Select(p => new ParameterSlot(p.Name, p.Type, TrainingNames.Gradient(p.Name), p.Mask)).ToArray();
        var state = optimizer.State(slots);
        var o = optimizer.Options;
        bool adam = o.Kind != OptimizerKind.Sgd;

        return new ArtifactManifest(
            FormatVersion: ArtifactManifest.CurrentFormatVersion,
            Loss: plan.Binary ? "bce" : options.Loss == LossKind.CrossEntropy ? "ce" : "mse",
            Optimizer: new ManifestOptimizer(KindName(o.Kind), adam ? 0 : o.Momentum, !adam && o.Nesterov, o.WeightDecay,
                adam ? o.Beta1 : null, adam ? o.Beta2 : null, adam ? o.Epsilon : null),
            DataInputs: plan.DataInputs.Select(n => trainInputs[n]).ToArray(),
            Labels: trainInputs[TrainingNames.Labels],
            LearningRate: TrainingNames.LearningRate,
            LossOutput: TrainingNames.Loss,
            CorrectOutput: plan.HasCorrect ? TrainingNames.Correct : null,
            Prediction: plan.Prediction,
            Parameters: plan.Parameters.Select(p => new ManifestParameter(p.Name, p.Type.KnownDims(), TrainingNames.Gradient(p.Name),
                TrainingNames.Output(p.Name), p.Mask, p.Mask is null ? null : p.MaskAxis,
                state.Where(s => s.Parameter == p.Name).Select(s => s.Name).ToArray())).ToArray(),
            OptimizerState: state.Select(s => new ManifestCarried(s.Name, TrainingNames.Output(s.Name), s.Type.KnownDims(), s.Parameter, "zeros")).ToArray(),
            RunningStatistics: plan.RunningStatistics.Select(r => new ManifestCarried(r.Name, TrainingNames.Output(r.Name), r.Type.KnownDims(), r.Layer,
                TrainingArtifactSet.InferFile)).ToArray(),
            Masks: plan.Layers.Select(l => new ManifestMask(l.Mask, l.Name, KindName(l.Kind), l.Channels,
                l.Parameters.Select(p => new ManifestGate(p.Name, p.ChannelAxis)).ToArray(), l.ActivationOutput)).ToArray(),
            Activations: plan.Layers.Select(l =>
            {
                var type = plan.TypeOf(l.Activation);
                int axis = l.Kind == NeuronLayerKind.Dense ? (type.Rank ?? 2) - 1 : 1;
                return new ManifestActivation(l.ActivationOutput, l.Name, KindName(l.Kind), l.Channels, axis, Dims(type));
            }).ToArray(),
            Graphs: files.Select(f => new ManifestGraph(Path.GetFileNameWithoutExtension(f.File), f.File,
                f.Model.Graph.Input.Select(Tensor).ToArray(), f.Model.Graph.Output.Select(Tensor).ToArray())).ToArray());
    }

    static string KindName(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => "sgd",
        OptimizerKind.Adam => "adam",
        _ => "adamw",
    };

    static string KindName(NeuronLayerKind kind) => kind switch
    {
        NeuronLayerKind.Conv => "conv",
        NeuronLayerKind.BatchNorm => "batchnorm",
        _ => "dense",
    };

    static ManifestTensor Tensor(ValueInfoProto v)
    {
        var type = TensorType.FromValueInfo(v) ?? throw new InvalidOperationException($"Graph value '{v.Name}' has no tensor type.");
        return new ManifestTensor(v.Name, type.ElemType.ToString().ToLowerInvariant(), Dims(type));
    }

    static long[] Dims(TensorType type) => type.Shape?.Select(d => d.Value ?? -1).ToArray() ?? [];
}
