using Neq.CommandLine;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Neq.Onnx.Architectures;
using Neq.Onnx.Io;

namespace Neq.GraphBuilderTool.Commands;

/// <summary><c>graph-builder resnet --depth 32 --classes 10 --seed 0 -o model.onnx</c>: writes a CIFAR ResNet forward graph.</summary>
public sealed class ResnetCommand : Command
{
    readonly Option<int> _depth = new("--depth", "-d")
    {
        Description = "Number of weighted layers, 6n+2: 20, 32, 44, 56, 110, …",
        DefaultValueFactory = _ => 32,
    };

    readonly Option<int> _classes = new("--classes", "-c")
    {
        Description = "Number of output classes.",
        DefaultValueFactory = _ => 10,
    };

    readonly Option<ulong> _seed = new("--seed", "-s")
    {
        Description = "Seed of the weight initialisation; equal seeds give byte-identical files.",
        DefaultValueFactory = _ => 0UL,
    };

    readonly Option<string> _output = new("--output", "-o")
    {
        Description = "Path of the ONNX file to write.",
        Required = true,
    };

    /// <summary>Creates the command with its options.</summary>
    public ResnetCommand() : base("resnet", "Write a CIFAR ResNet (option-A shortcuts, seeded initialisation) as a forward ONNX graph.")
    {
        _depth.CustomParser = r => ParseInt(r, "--depth", d => CifarResNet.IsValidDepth(d) ? null
            : $"--depth {d} is not of the form 6n+2 with n ≥ 1 (for example 20, 32, 44, 56, 110).");
        _classes.CustomParser = r => ParseInt(r, "--classes", c => c >= 1 ? null : $"--classes must be at least 1, not {c}.");
        Options.Add(_depth);
        Options.Add(_classes);
        Options.Add(_seed);
        Options.Add(_output);
        SetAction(Run);
    }

    // A custom parser rather than a validator: a validator reading a value that failed to convert
    // ("--depth deep") throws instead of reporting a parse error.
    static int ParseInt(ArgumentResult result, string option, Func<int, string?> problem)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            result.AddError($"{option} needs an integer, not '{text}'.");
            return 0;
        }
        if (problem(value) is { } message) result.AddError(message);
        return value;
    }

    int Run(ParseResult parse)
    {
        var options = new CifarResNetOptions(parse.GetValue(_depth), parse.GetValue(_classes), parse.GetValue(_seed));
        var path = parse.GetRequiredValue(_output);
        var model = CifarResNet.Build(options);
        OnnxFile.Save(model, path);
        parse.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {path}: ResNet-{options.Depth}, {options.Classes} classes, seed {options.Seed}"));
        return CliHost.Ok;
    }
}
