using System.CommandLine;
using System.Globalization;
using Neq.CommandLine;
using Neq.GraphBuilderTool.Examples;
using Neq.Onnx.Io;

namespace Neq.GraphBuilderTool.Commands;

/// <summary>
/// <c>graph-builder example --pattern pytorch-mnist|keras-nhwc|signal1d -o model.onnx [--data signals.npz]</c>:
/// writes an untrained model in an exporter's pattern (and, for signal1d, the synthetic data set).
/// </summary>
public sealed class ExampleCommand : Command
{
    readonly Option<string> _pattern = new("--pattern", "-p") { Description = "pytorch-mnist, keras-nhwc or signal1d.", Required = true };
    readonly Option<string> _output = new("--output", "-o") { Description = "Path of the ONNX file to write.", Required = true };
    readonly Option<string?> _data = new("--data") { Description = "signal1d only: also write its synthetic data set to this .npz file." };
    readonly Option<int> _train = new("--train") { Description = "Training signals in --data.", DefaultValueFactory = _ => 3000 };
    readonly Option<int> _test = new("--test") { Description = "Test signals in --data.", DefaultValueFactory = _ => 600 };
    readonly Option<int> _seed = new("--seed", "-s") { Description = "Seed of the weights (and of --data); equal seeds give identical files.", DefaultValueFactory = _ => 0 };

    /// <summary>Creates the command with its options.</summary>
    public ExampleCommand() : base("example", "Write an untrained example model as an exporter writes it (PyTorch, tf2onnx/Keras, a 1-D signal net) for the README's runs.")
    {
        foreach (var o in new Option[] { _pattern, _output, _data, _train, _test, _seed }) Options.Add(o);
        SetAction(Run);
    }

    int Run(ParseResult parse)
    {
        var (pattern, path, data, seed) = (parse.GetRequiredValue(_pattern), parse.GetRequiredValue(_output), parse.GetValue(_data), parse.GetValue(_seed));
        if (data is not null && pattern != "signal1d") throw new ArgumentException("--data writes the signal1d data set; use it with --pattern signal1d.");
        var (train, test) = (parse.GetValue(_train), parse.GetValue(_test));
        if (train < 1 || test < 1) throw new ArgumentException("--train and --test must be at least 1.");
        OnnxFile.Save(ExampleModels.Build(pattern, seed), path);
        var output = parse.InvocationConfiguration.Output;
        output.WriteLine($"wrote {path}: {ExampleModels.Describe(pattern)}");
        if (data is not null)
        {
            SignalData.Write(data, train, test, seed);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {data}: {train} training and {test} test signals of {SignalData.Length} samples, {SignalData.Classes} classes (sines of 2, 4, 8 cycles, noise σ {SignalData.Noise})"));
        }
        return CliHost.Ok;
    }
}
