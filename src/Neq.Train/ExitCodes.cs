namespace Neq.Train;

/// <summary>Process exit codes of <c>neq</c>.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>An expected failure: bad file, dataset, diverged loss; one "error:" line says which.</summary>
    public const int Error = 1;

    /// <summary>A usage error: unknown flag or impossible value.</summary>
    public const int Usage = 2;
}
