namespace Neq.Onnx.Distributed;

/// <summary>
/// The MPI implementations the binding knows the handles of. Their C ABIs differ: Open MPI's
/// communicators, datatypes and operations are pointers to exported objects, MPICH's (and the
/// implementations that share its ABI: Intel MPI, MVAPICH) are integer constants from mpi.h.
/// </summary>
public enum MpiImplementation
{
    /// <summary>Open MPI (Debian: openmpi-bin, runtime libopenmpi3, libmpi.so.40).</summary>
    OpenMpi,

    /// <summary>MPICH or an implementation with its ABI (Debian: mpich, runtime libmpich12, libmpich.so.12).</summary>
    Mpich,
}
