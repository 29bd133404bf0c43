using System.CommandLine;
using Neq.Onnx.Data;
using Neq.Onnx.Io;
using Neq.Onnx.Trainer;
using Neq.Train.Commands;

namespace Neq.Train;

/// <summary>
/// The <c>neq</c> command line: parses, runs one command, maps the outcome to <see cref="ExitCodes"/>.
/// Expected failures print one "error: …" line, never a stack trace.
/// </summary>
public static class Cli
{
    /// <summary>The program's name as users type it.</summary>
    public const string ProgramName = "neq";

    /// <summary>The root command with every subcommand.</summary>
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("Trains ONNX-defined networks with NEq (neurons at equilibrium) on ONNX Runtime.");
        root.Subcommands.Add(new TrainCommand());
        root.Subcommands.Add(new EvalCommand());
        return root;
    }

    /// <summary>Runs the command line; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parse = CreateRootCommand().Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            foreach (var e in parse.Errors) error.WriteLine($"error: {e.Message}");
            var path = parse.CommandResult.Command is RootCommand ? ProgramName : $"{ProgramName} {parse.CommandResult.Command.Name}";
            error.WriteLine($"Run '{path} --help' for usage.");
            return ExitCodes.Usage;
        }
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return parse.Invoke(config);
        }
        catch (UsageException e)
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            error.WriteLine($"Run '{ProgramName} {parse.CommandResult.Command.Name} --help' for usage.");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is OnnxFormatException or DatasetException or TrainingDivergedException or IOException
            or UnauthorizedAccessException or InvalidDataException or PlatformNotSupportedException or OperationCanceledException)
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return ExitCodes.Error;
        }
        catch (Exception e)
        {
            error.WriteLine($"error: unexpected {e.GetType().Name}: {OneLine(e.Message)}");
            return ExitCodes.Error;
        }
    }

    static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
