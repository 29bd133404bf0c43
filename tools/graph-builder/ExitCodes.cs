namespace Neq.GraphBuilderTool;

/// <summary>The process exit codes of graph-builder.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The command failed (unreadable or invalid model, unwritable output…); one "error:" line says why.</summary>
    public const int Error = 1;

    /// <summary>The command line could not be parsed or failed validation.</summary>
    public const int Usage = 2;
}
