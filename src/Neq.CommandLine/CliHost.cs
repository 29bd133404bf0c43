using System.CommandLine;

namespace Neq.CommandLine;

/// <summary>
/// What the project's command-line tools share: parse, report usage errors (exit 2) with a pointer
/// to --help, run the command, and turn failures into one "error: …" line (exit 1) — never a stack
/// trace. <see cref="UsageException"/> from a command is a usage error too.
/// </summary>
public static class CliHost
{
    /// <summary>Exit code of success.</summary>
    public const int Ok = 0;

    /// <summary>Exit code of an expected failure (bad file, data, model, diverged loss).</summary>
    public const int Error = 1;

    /// <summary>Exit code of a usage error.</summary>
    public const int Usage = 2;

    /// <summary>
    /// Runs <paramref name="args"/> against <paramref name="root"/>; <paramref name="isExpected"/>
    /// says which exceptions are a user's problem (reported plainly) rather than a bug (reported with
    /// the exception's type, still on one line).
    /// </summary>
    public static int Run(RootCommand root, string programName, string[] args, TextWriter output, TextWriter error, Func<Exception, bool> isExpected)
    {
        var parse = root.Parse(args);
        var path = parse.CommandResult.Command is RootCommand ? programName : $"{programName} {parse.CommandResult.Command.Name}";
        // --help (and --version) clear parse errors: "resnet --help" works without the required -o.
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            foreach (var e in parse.Errors) error.WriteLine($"error: {e.Message}");
            error.WriteLine($"Run '{path} --help' for usage.");
            return Usage;
        }
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return parse.Invoke(config);
        }
        catch (UsageException e)
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            error.WriteLine($"Run '{path} --help' for usage.");
            return Usage;
        }
        catch (Exception e) when (isExpected(e) || e is OperationCanceledException)
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return Error;
        }
        catch (Exception e)
        {
            // A bug, not a user's mistake: still one line, with the exception type to report it by.
            error.WriteLine($"error: unexpected {e.GetType().Name}: {OneLine(e.Message)}");
            return Error;
        }
    }

    static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
