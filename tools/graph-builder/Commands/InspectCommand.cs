using Neq.CommandLine;
using System.CommandLine;
using Neq.Onnx.Inspection;
using Neq.Onnx.Io;

namespace Neq.GraphBuilderTool.Commands;

/// <summary><c>graph-builder inspect model.onnx</c>: prints what the project's tools see in any ONNX file.</summary>
public sealed class InspectCommand : Command
{
    readonly Argument<string> _model = new("model") { Description = "The ONNX file to inspect." };

    /// <summary>Creates the command with its argument.</summary>
    public InspectCommand() : base("inspect",
        "Show an ONNX model's inputs and outputs, operator sets, operator counts, parameter count, and per-layer output channels and forward MACs per sample.")
    {
        Arguments.Add(_model);
        SetAction(Run);
    }

    int Run(ParseResult parse)
    {
        var path = parse.GetRequiredValue(_model);
        var model = OnnxFile.Load(path);
        ModelSummary summary;
        try { summary = ModelSummaryBuilder.Build(model); }
        catch (OnnxFormatException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new OnnxFormatException($"{path}: {e.Message}", e);
        }
        ModelSummaryText.Write(parse.InvocationConfiguration.Output, summary, path);
        return CliHost.Ok;
    }
}
