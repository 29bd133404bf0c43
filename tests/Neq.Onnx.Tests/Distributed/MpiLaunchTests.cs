using Neq.Onnx.Distributed;

namespace Neq.Onnx.Tests.Distributed;

/// <summary>Launcher detection, library choice and load errors, and the single-process communicator: no MPI needed.</summary>
public sealed class MpiLaunchTests
{
    static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Launchers_are_recognised_by_the_variables_they_give_their_ranks()
    {
        Assert.Null(MpiLaunch.Detect(Env()));
        Assert.Equal(new MpiLaunch(MpiImplementation.OpenMpi, 4), MpiLaunch.Detect(Env(("OMPI_COMM_WORLD_SIZE", "4"))));
        Assert.Equal(new MpiLaunch(MpiImplementation.Mpich, 2), MpiLaunch.Detect(Env(("PMI_SIZE", "2"), ("PMI_RANK", "1"))));
        Assert.Contains("PMI_SIZE='two'", Assert.Throws<MpiException>(() => MpiLaunch.Detect(Env(("PMI_SIZE", "two")))).Message);
    }

    [Fact]
    public void The_rank_is_read_from_either_launchers_variable_before_mpi_starts()
    {
        Assert.Null(MpiLaunch.RankOf(Env()));
        Assert.Equal(3, MpiLaunch.RankOf(Env(("OMPI_COMM_WORLD_SIZE", "4"), ("OMPI_COMM_WORLD_RANK", "3"))));
        Assert.Equal(1, MpiLaunch.RankOf(Env(("PMI_SIZE", "2"), ("PMI_RANK", "1"))));
        Assert.Null(MpiLaunch.RankOf(Env(("PMI_RANK", "-1"))));
    }

    [Fact]
    public void The_launchers_library_is_loaded_unless_MPI_LIB_names_one()
    {
        Assert.Equal("libmpi.so.40", MpiLaunch.LibraryCandidates(MpiImplementation.OpenMpi, Env())[0]);
        Assert.Equal("libmpich.so.12", MpiLaunch.LibraryCandidates(MpiImplementation.Mpich, Env())[0]);
        Assert.Equal(["/opt/mpi/lib/libmpi.so"], MpiLaunch.LibraryCandidates(MpiImplementation.Mpich, Env(("MPI_LIB", "/opt/mpi/lib/libmpi.so"))));
    }

    [Fact]
    public void A_library_that_does_not_load_gives_one_error_naming_it_and_MPI_LIB()
    {
        var e = Assert.Throws<MpiException>(() => MpiLibrary.Load(["/nonexistent/libmpi-neq-test.so"]));
        Assert.Contains("/nonexistent/libmpi-neq-test.so", e.Message);
        Assert.Contains("MPI_LIB", e.Message);
    }

    [Fact]
    public void A_library_that_is_not_MPI_is_rejected_naming_it()
    {
        // libc loads but has no MPI functions.
        var e = Assert.Throws<MpiException>(() => MpiLibrary.Load(["libc.so.6"]));
        Assert.Contains("libc.so.6", e.Message);
    }

    [Fact]
    public void One_process_is_rank_0_of_1_and_its_collectives_leave_values_as_they_are()
    {
        using var comm = new SingleProcessCommunicator();
        Assert.Equal((0, 1, true), (comm.Rank, comm.Size, comm.IsRoot));
        float[] f = [1.5f, -2f];
        comm.Allreduce(f.AsSpan(), ReduceOperation.Sum);
        comm.Broadcast(f.AsSpan(), 0);
        comm.Barrier();
        Assert.Equal([1.5f, -2f], f);
        Assert.Throws<ArgumentOutOfRangeException>(() => comm.Broadcast(f.AsSpan(), 1));
    }
}
