using Neq.Onnx.Artifacts;
using Neq.Onnx.Data;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Training;

namespace Neq.Train;

/// <summary>How <c>neq train</c>'s flags spell the records' enums (--optim, --schedule, --velocity-rule, --labels, --augment, --loss), both ways.</summary>
public static class FlagNames
{
    /// <summary>--optim.</summary>
    public static readonly IReadOnlyDictionary<string, OptimizerKind> Optimizers = new Dictionary<string, OptimizerKind>(StringComparer.Ordinal)
        { ["sgd"] = OptimizerKind.Sgd, ["adam"] = OptimizerKind.Adam };

    /// <summary>--schedule.</summary>
    public static readonly IReadOnlyDictionary<string, LrScheduleKind> Schedules = new Dictionary<string, LrScheduleKind>(StringComparer.Ordinal)
        { ["multistep"] = LrScheduleKind.MultiStep, ["cosine"] = LrScheduleKind.Cosine };

    /// <summary>--velocity-rule.</summary>
    public static readonly IReadOnlyDictionary<string, VelocityRule> Rules = new Dictionary<string, VelocityRule>(StringComparer.Ordinal)
        { ["paper"] = VelocityRule.Paper, ["reference-code"] = VelocityRule.ReferenceCode };

    /// <summary>--labels (CIFAR-100).</summary>
    public static readonly IReadOnlyDictionary<string, Cifar100Labels> Labels = new Dictionary<string, Cifar100Labels>(StringComparer.Ordinal)
        { ["fine"] = Cifar100Labels.Fine, ["coarse"] = Cifar100Labels.Coarse };

    /// <summary>--augment.</summary>
    public static readonly IReadOnlyDictionary<string, AugmentMode> Augments = new Dictionary<string, AugmentMode>(StringComparer.Ordinal)
        { ["crop-flip"] = AugmentMode.CropFlip, ["crop"] = AugmentMode.Crop, ["none"] = AugmentMode.None };

    /// <summary>--loss.</summary>
    public static readonly IReadOnlyDictionary<string, LossKind> Losses = new Dictionary<string, LossKind>(StringComparer.Ordinal)
        { ["ce"] = LossKind.CrossEntropy, ["mse"] = LossKind.MeanSquaredError };

    /// <summary>The flag's spelling of <paramref name="value"/> (the enum's name, lower case, when the flag does not take it).</summary>
    public static string Of<T>(IReadOnlyDictionary<string, T> names, T value) where T : struct, Enum =>
        names.FirstOrDefault(kv => EqualityComparer<T>.Default.Equals(kv.Value, value)).Key ?? value.ToString().ToLowerInvariant();
}
