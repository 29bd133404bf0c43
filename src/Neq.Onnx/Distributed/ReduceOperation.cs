namespace Neq.Onnx.Distributed;

/// <summary>The reductions <see cref="Communicator.Allreduce{T}"/> applies elementwise across ranks.</summary>
public enum ReduceOperation
{
    /// <summary>MPI_SUM.</summary>
    Sum,

    /// <summary>MPI_MAX.</summary>
    Max,

    /// <summary>MPI_MIN.</summary>
    Min,
}
