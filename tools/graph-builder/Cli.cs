using System.CommandLine;
using Neq.CommandLine;
using Neq.GraphBuilderTool.Commands;
using Neq.Onnx.Io;

namespace Neq.GraphBuilderTool;

/// <summary>
/// The graph-builder command line (exit codes and error lines as <see cref="CliHost"/>).
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
        root.Subcommands.Add(new InjectMasksCommand());
        root.Subcommands.Add(new ArtifactsCommand());
        root.Subcommands.Add(new ExampleCommand());
        return root;
    }

    /// <summary>Runs the command line <paramref name="args"/>, writing to the given writers; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        CliHost.Run(CreateRootCommand(), ProgramName, args, output, error,
            e => e is OnnxFormatException or IOException or UnauthorizedAccessException or ArgumentException);
}
