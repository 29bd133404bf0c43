namespace Neq.Onnx.Tests.Distributed;

/// <summary>
/// A fact that needs MPI implementations' launchers (<c>mpirun.openmpi</c> or <c>mpirun.mpich</c>,
/// named explicitly: plain <c>mpirun</c> is whichever the alternatives system picked); skipped with
/// what to install where it is absent.
/// </summary>
public sealed class MpiFactAttribute : FactAttribute
{
    /// <param name="implementations">"openmpi", "mpich", or both.</param>
    public MpiFactAttribute(params string[] implementations)
    {
        var missing = implementations.Where(i => MpiRun.Launcher(i) is null).ToArray();
        if (missing.Length > 0)
            Skip = $"needs {string.Join(" and ", missing.Select(i => $"mpirun.{i}"))} on the PATH (Debian: apt-get install " +
                $"{string.Join(' ', missing.Select(i => i == "openmpi" ? "openmpi-bin" : "mpich"))}; .ci/run installs both)";
    }
}
