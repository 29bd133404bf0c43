namespace Neq.Onnx.Tests.Cli;

/// <summary>Runs the project's command lines in-process, capturing exit code, output and errors.</summary>
static class CliRun
{
    /// <summary><c>graph-builder</c> with <paramref name="args"/>.</summary>
    public static (int Code, string Out, string Err) GraphBuilder(params string[] args) => Capture(GraphBuilderTool.Cli.Run, args);

    /// <summary><c>neq</c> with <paramref name="args"/>.</summary>
    public static (int Code, string Out, string Err) Neq(params string[] args) => Capture(global::Neq.Train.Cli.Run, args);

    static (int, string, string) Capture(Func<string[], TextWriter, TextWriter, int> run, string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var code = run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
