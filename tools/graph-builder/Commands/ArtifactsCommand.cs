using Neq.CommandLine;
using System.CommandLine;
using System.Globalization;
using Neq.Onnx.Io;
using Neq.Onnx.Artifacts;

namespace Neq.GraphBuilderTool.Commands;

/// <summary>
/// <c>graph-builder artifacts model.onnx --optimizer sgd|adam|adamw [--loss ce|mse] [--momentum μ]
/// [--nesterov] [--weight-decay λ] [--beta1 β1] [--beta2 β2] [--epsilon ε] [--split] [--prediction NAME] -o dir/</c>:
/// writes train.onnx, eval.onnx, infer.onnx (grad.onnx and update.onnx with --split) and
/// manifest.json (docs/artifacts.md).
/// </summary>
public sealed class ArtifactsCommand : Command
{
    readonly Argument<string> _model = new("model") { Description = "The forward ONNX model to train (inference-mode BatchNormalization)." };

    readonly Option<string> _optimizer = new("--optimizer")
    {
        Description = "Update rule baked into the step: sgd, adam or adamw (the learning rate stays an input).",
        Required = true,
    };

    readonly Option<string> _loss = new("--loss")
    {
        Description = "ce: softmax cross-entropy over int64 class labels; mse: mean squared error for regression outputs.",
        DefaultValueFactory = _ => "ce",
    };

    readonly Option<double> _momentum = new("--momentum") { Description = "SGD momentum (default 0).", DefaultValueFactory = _ => 0 };
    readonly Option<bool> _nesterov = new("--nesterov") { Description = "SGD: Nesterov momentum (needs --momentum > 0)." };
    readonly Option<double> _weightDecay = new("--weight-decay") { Description = "L2 weight decay (decoupled for adamw; default 0).", DefaultValueFactory = _ => 0 };
    readonly Option<double> _beta1 = new("--beta1") { Description = "Adam β1 (default 0.9).", DefaultValueFactory = _ => 0.9 };
    readonly Option<double> _beta2 = new("--beta2") { Description = "Adam β2 (default 0.999).", DefaultValueFactory = _ => 0.999 };
    readonly Option<double> _epsilon = new("--epsilon") { Description = "Adam ε (default 1e-8).", DefaultValueFactory = _ => 1e-8 };
    readonly Option<bool> _split = new("--split") { Description = "Also write the step as grad.onnx + update.onnx, to average gradients between them." };

    readonly Option<string> _prediction = new("--prediction")
    {
        Description = "The model output to train (logits, or probabilities from a trailing Softmax/LogSoftmax); default: the only float output.",
    };

    readonly Option<string> _output = new("--output", "-o")
    {
        Description = "Folder to write the artifacts into (created if needed).",
        Required = true,
    };

    /// <summary>Creates the command with its argument and options.</summary>
    public ArtifactsCommand() : base("artifacts",
        "Write the training artifacts of a forward model: train.onnx (one optimizer step), eval.onnx (prediction and neuron activations), infer.onnx (deployable forward) and manifest.json.")
    {
        _optimizer.AcceptOnlyFromAmong("sgd", "adam", "adamw");
        _loss.AcceptOnlyFromAmong("ce", "mse");
        Arguments.Add(_model);
        foreach (var o in new Option[] { _optimizer, _loss, _momentum, _nesterov, _weightDecay, _beta1, _beta2, _epsilon, _split, _prediction, _output })
            Options.Add(o);
        SetAction(Run);
    }

    OptimizerOptions OptimizerOf(ParseResult r) => new(
        r.GetValue(_optimizer) switch { "adam" => OptimizerKind.Adam, "adamw" => OptimizerKind.AdamW, _ => OptimizerKind.Sgd },
        r.GetValue(_momentum), r.GetValue(_nesterov), r.GetValue(_weightDecay),
        r.GetValue(_beta1), r.GetValue(_beta2), r.GetValue(_epsilon));

    /// <summary>What is wrong with a well-formed command line's option values, or null.</summary>
    // Checked when the command runs, not in a validator: validators see options left out as
    // default(T), not as their default values.
    string? Problem(ParseResult parse)
    {
        var kind = parse.GetRequiredValue(_optimizer);
        bool Given(Option o) => parse.GetResult(o) is { Implicit: false };
        if (kind != "sgd" && (Given(_momentum) || Given(_nesterov)))
            return $"--momentum and --nesterov apply to sgd, not {kind}.";
        if (kind == "sgd" && (Given(_beta1) || Given(_beta2) || Given(_epsilon)))
            return "--beta1, --beta2 and --epsilon apply to adam and adamw, not sgd.";
        try { OptimizerOf(parse).Validate(); }
        catch (ArgumentException e) { return e.Message; }
        return null;
    }

    int Run(ParseResult parse)
    {
        if (Problem(parse) is { } problem)
        {
            var error = parse.InvocationConfiguration.Error;
            error.WriteLine($"error: {problem}");
            error.WriteLine($"Run '{Cli.ProgramName} {Name} --help' for usage.");
            return CliHost.Usage;
        }
        var path = parse.GetRequiredValue(_model);
        var dir = parse.GetRequiredValue(_output);
        var options = new ArtifactOptions(OptimizerOf(parse),
            parse.GetValue(_loss) == "mse" ? LossKind.MeanSquaredError : LossKind.CrossEntropy,
            parse.GetValue(_split), parse.GetValue(_prediction));
        var model = OnnxFile.Load(path);
        TrainingArtifactSet set;
        try { set = TrainingArtifacts.Build(model, options); }
        catch (OnnxFormatException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new OnnxFormatException($"{path}: {e.Message}", e);
        }
        var written = set.Save(dir);
        var m = set.Manifest;
        var output = parse.InvocationConfiguration.Output;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {written.Count} files to {dir}: {m.Parameters.Count} parameters, {m.Masks.Count} masked layers, {m.OptimizerState.Count} optimizer state tensors, {m.RunningStatistics.Count} running statistics"));
        foreach (var file in written) output.WriteLine($"  {Path.GetFileName(file)}");
        return CliHost.Ok;
    }
}
