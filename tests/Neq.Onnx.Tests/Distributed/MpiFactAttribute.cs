namespace Neq.Onnx.Tests.Distributed;

/// <summary>
/// A fact that needs one MPI implementation's launcher (<c>mpirun.openmpi</c> or <c>mpirun.mpich</c>,
/// named explicitly: plain <c>mpirun</c> is whichever the alternatives system picked); skipped with
/// what to install where it is absent.
/// </summary>
public sealed class MpiFactAttribute : FactAttribute
{
    /// <param name="implementation">"openmpi" or "mpich".</param>
    public MpiFactAttribute(string implementation)
    {
        if (MpiRun.Launcher(implementation) is null)
            Skip = $"needs mpirun.{implementation} on the PATH (Debian: apt-get install {(implementation == "openmpi" ? "openmpi-bin" : "mpich")}; .ci/run installs both)";
    }
}
