namespace Neq.Onnx.Artifacts;

/// <summary>
/// The one place that names the values of training graphs (docs/artifacts.md lists them): a
/// trainer finds every input and output by these names, so they never change silently.
/// </summary>
public static class TrainingNames
{
    /// <summary>Float scalar input holding the learning rate of the step.</summary>
    public const string LearningRate = "lr";

    /// <summary>Input holding the targets: int64[N] class indices (cross-entropy) or the prediction's shape (MSE).</summary>
    public const string Labels = "labels";

    /// <summary>Float scalar output: the batch's mean loss.</summary>
    public const string Loss = "loss";

    /// <summary>Int64 scalar output: how many argmax predictions equal their label (cross-entropy only).</summary>
    public const string Correct = "correct";

    /// <summary>Float scalar shared by every parameter under Adam: the number of steps taken so far.</summary>
    public const string AdamStep = "adam.step";

    /// <summary>The updated value of an input carried from step to step: <c>&lt;name&gt;.out</c>.</summary>
    public static string Output(string name) => name + ".out";

    /// <summary>The gradient of a parameter (as the autodiff engine names it): <c>&lt;w&gt;_grad</c>.</summary>
    public static string Gradient(string parameter) => parameter + "_grad";

    /// <summary>SGD's momentum buffer of a parameter: <c>&lt;w&gt;.momentum</c>.</summary>
    public static string Momentum(string parameter) => parameter + ".momentum";

    /// <summary>Adam's first moment of a parameter: <c>&lt;w&gt;.adam_m</c>.</summary>
    public static string AdamFirstMoment(string parameter) => parameter + ".adam_m";

    /// <summary>Adam's second moment of a parameter: <c>&lt;w&gt;.adam_v</c>.</summary>
    public static string AdamSecondMoment(string parameter) => parameter + ".adam_v";
}
