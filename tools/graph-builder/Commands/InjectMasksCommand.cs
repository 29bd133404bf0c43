using Neq.CommandLine;
using System.CommandLine;
using System.Globalization;
using Neq.Onnx.Io;
using Neq.Onnx.Neurons;

namespace Neq.GraphBuilderTool.Commands;

/// <summary>
/// <c>graph-builder inject-masks in.onnx -o out.onnx [--layers a,b] [--include-classifier] [--no-activations]</c>:
/// adds NEq's mask inputs (<c>&lt;layer&gt;.mask</c>, default ones), mask gates and activation
/// outputs (<c>&lt;layer&gt;.activation</c>) to a forward graph made by any exporter; its outputs stay
/// the same. See <see cref="MaskInjection"/>.
/// </summary>
public sealed class InjectMasksCommand : Command
{
    readonly Argument<string> _input = new("model") { Description = "The forward ONNX graph to add masks to." };

    readonly Option<string> _output = new("--output", "-o")
    {
        Description = "Path of the ONNX file to write.",
        Required = true,
    };

    readonly Option<string[]> _layers = new("--layers")
    {
        Description = "Only these layers, by name (comma-separated or repeated); naming the classifier gates it too. Default: every layer but the classifier.",
        AllowMultipleArgumentsPerToken = true,
    };

    readonly Option<bool> _includeClassifier = new("--include-classifier")
    {
        Description = "Gate the classifier too (dense layers whose output reaches a graph output directly); NEq leaves it out.",
    };

    readonly Option<bool> _noActivations = new("--no-activations")
    {
        Description = "Do not add the <layer>.activation outputs.",
    };

    /// <summary>Creates the command with its argument and options.</summary>
    public InjectMasksCommand() : base("inject-masks",
        "Add NEq mask inputs, mask gates and activation outputs to an existing forward ONNX graph, keeping its outputs unchanged.")
    {
        Arguments.Add(_input);
        Options.Add(_output);
        Options.Add(_layers);
        Options.Add(_includeClassifier);
        Options.Add(_noActivations);
        SetAction(Run);
    }

    int Run(ParseResult parse)
    {
        var input = parse.GetRequiredValue(_input);
        var output = parse.GetRequiredValue(_output);
        var layers = parse.GetValue(_layers)?
            .SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();
        var options = new MaskInjectionOptions(
            Layers: layers is { Count: > 0 } ? layers : null,
            IncludeClassifier: parse.GetValue(_includeClassifier),
            ExportActivations: !parse.GetValue(_noActivations));

        var model = OnnxFile.Load(input);
        MaskInjectionResult result;
        try { result = MaskInjection.Inject(model, options); }
        catch (Exception e) when (e is OnnxFormatException or ArgumentException)
        {
            throw new OnnxFormatException($"{input}: {e.Message}", e);
        }
        OnnxFile.Save(model, output);

        var w = parse.InvocationConfiguration.Output;
        var neurons = result.Layers.Sum(l => (long)l.Channels);
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {output}: {result.Layers.Count} layers gated, {neurons:N0} neurons"));
        foreach (var l in result.Layers)
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {l.Name}  {l.Kind} {l.Channels}"));
        return CliHost.Ok;
    }
}
