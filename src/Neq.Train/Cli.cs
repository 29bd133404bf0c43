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

    /// <summary>
    /// Runs the command line; returns the exit code. Under mpirun every rank runs it: ranks other
    /// than 0 write nothing through <paramref name="output"/> and <paramref name="error"/> (a bad flag
    /// would otherwise be reported K times) and, failing so, exit 2 s late; a failure of their own
    /// while training they report on the process's stderr (<see cref="DistributedRun.Fail"/>).
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var quiet = Onnx.Distributed.MpiLaunch.RankOf(Environment.GetEnvironmentVariable) is > 0;
        if (quiet) (output, error) = (TextWriter.Null, TextWriter.Null);
        var code = CliHost.Run(CreateRootCommand(), ProgramName, args, output, error, e =>
            e is OnnxFormatException or DatasetException or TrainingDivergedException or IOException
                or UnauthorizedAccessException or InvalidDataException or PlatformNotSupportedException or Onnx.Distributed.MpiException);
        // mpirun ends the job when the first rank exits with an error, and rank 0 may not have
        // printed it yet: a silent rank lingers so that rank 0's line gets out first.
        if (quiet && code != CliHost.Ok) Thread.Sleep(TimeSpan.FromSeconds(2));
        return code;
    }
}
