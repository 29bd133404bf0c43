using System.CommandLine;
using Neq.CommandLine;
using Neq.Onnx.Data;
using Neq.Onnx.Io;
using Neq.Onnx.Training;
using Neq.Train.Commands;

namespace Neq.Train;

/// <summary>The <c>neq</c> command line (exit codes and error lines as <see cref="CliHost"/>).</summary>
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
        root.Subcommands.Add(new CompareCommand());
        root.Subcommands.Add(new BenchStepCommand());
        return root;
    }

    /// <summary>Runs the command line; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        CliHost.Run(CreateRootCommand(), ProgramName, args, output, error, e =>
            e is OnnxFormatException or DatasetException or TrainingDivergedException or IOException
                or UnauthorizedAccessException or InvalidDataException or PlatformNotSupportedException or Onnx.Distributed.MpiException);
}
