using System.CommandLine;
using System.Text;
using Neq.CommandLine;
using Neq.Onnx.Io;

namespace Neq.Train.Commands;

/// <summary><c>neq compare RUN…</c>: final figures of several run folders as one Markdown table, and with --out the comparison plots.</summary>
public sealed class CompareCommand : Command
{
    readonly Argument<string[]> _runs = new("runs") { Description = "Run folders written by neq train (finished or not).", Arity = ArgumentArity.OneOrMore };
    readonly Option<string?> _out = new("--out", "-o") { Description = "Write comparison.md and the plots (test top-1, frozen %, bprop FLOPs saved per epoch) into this folder." };

    /// <summary>Creates the command.</summary>
    public CompareCommand() : base("compare", "Compare run folders: final accuracy, frozen neurons, bprop FLOPs saved; plots with --out.")
    {
        Arguments.Add(_runs);
        Options.Add(_out);
        SetAction((p, ct) => Task.FromResult(Run(p)));
    }

    int Run(ParseResult p)
    {
        var comparison = new RunComparison(p.GetValue(_runs)!.Select(RunHistory.Read).ToList());
        var table = comparison.Table();
        p.InvocationConfiguration.Output.Write(table);
        if (p.GetValue(_out) is { } folder)
        {
            ComparisonPlots.Write(folder, comparison);
            OnnxFile.WriteAtomically(Path.Combine(folder, "comparison.md"), Encoding.UTF8.GetBytes(table));
        }
        return CliHost.Ok;
    }
}
