using System.CommandLine;
using Neq.GraphBuilderTool.Commands;
using Neq.Onnx.Io;

namespace Neq.GraphBuilderTool;

/// <summary>
/// The graph-builder command line: parses, runs one command, and maps the outcome to
/// <see cref="ExitCodes"/>. Expected failures print one "error: …" line to the error writer, never a
/// stack trace.
/// </summary>
public static class Cli
{
    /// <summary>The program's name as users type it.</summary>
    public const string ProgramName = "graph-builder";

    /// <summary>The root command with every subcommand; add a command here to make it available.</summary>
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("Builds and inspects the ONNX graphs that Neq.Onnx trains.");
        root.Subcommands.Add(new ResnetCommand());
        root.Subcommands.Add(new InspectCommand());
        root.Subcommands.Add(new ArtifactsCommand());
        return root;
    }

    /// <summary>Runs the command line <paramref name="args"/>, writing to the given writers; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parse = CreateRootCommand().Parse(args);
        // --help (and --version) clear parse errors: "resnet --help" works without the required -o.
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
        catch (Exception e) when (e is OnnxFormatException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return ExitCodes.Error;
        }
        catch (Exception e)
        {
            // A bug, not a user's mistake: still one line, with the exception type to report it by.
            error.WriteLine($"error: unexpected {e.GetType().Name}: {OneLine(e.Message)}");
            return ExitCodes.Error;
        }
    }

    static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
