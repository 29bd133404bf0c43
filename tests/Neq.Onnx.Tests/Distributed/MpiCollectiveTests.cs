namespace Neq.Onnx.Tests.Distributed;

/// <summary>
/// The MPI binding across two real ranks, once per implementation (their handles differ: pointers
/// in Open MPI, integers in MPICH). Each rank contributes values made from its rank r; the expected
/// results are the hand-computed reductions over r = 0, 1.
/// </summary>
public sealed class MpiCollectiveTests
{
    [MpiFact("openmpi")]
    public void Allreduce_and_broadcast_give_the_hand_computed_results_under_open_mpi() => Check("openmpi", "Open MPI");

    [MpiFact("mpich")]
    public void Allreduce_and_broadcast_give_the_hand_computed_results_under_mpich() => Check("mpich", "MPICH");

    [MpiFact("mpich")]
    public void MPI_LIB_chooses_the_library()
    {
        var dir = Directory.CreateTempSubdirectory("neq-mpi-lib-").FullName;
        try
        {
            var (code, output) = MpiRun.Mpi("mpich", 2, ["collectives", "--out", dir], TimeSpan.FromSeconds(60), mpiLib: "libmpich.so.12");
            Assert.True(code == 0, output);
            Assert.Contains("(libmpich.so.12), 2 ranks", File.ReadAllText(Path.Combine(dir, "collectives.rank0.txt")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [MpiFact("mpich", "openmpi")]
    public void A_library_of_another_implementation_than_the_launchers_is_refused_with_one_error()
    {
        // Open MPI's library under MPICH's launcher initialises as a singleton: each rank would train alone.
        var (code, output) = MpiRun.Mpi("mpich", 2, ["collectives", "--out", Path.GetTempPath()], TimeSpan.FromSeconds(60), mpiLib: "libmpi.so.40");
        Assert.NotEqual(0, code);
        Assert.Contains("error: The launcher (Mpich) started 2 processes, but libmpi.so.40 (Open MPI", output);
        Assert.DoesNotContain("Unhandled exception", output);
    }

    static void Check(string implementation, string name)
    {
        var dir = Directory.CreateTempSubdirectory("neq-mpi-collectives-").FullName;
        try
        {
            var (code, output) = MpiRun.Mpi(implementation, 2, ["collectives", "--out", dir], TimeSpan.FromSeconds(60));
            Assert.True(code == 0, output);
            for (int rank = 0; rank < 2; rank++)
            {
                var r = MpiRun.ReadResults(Path.Combine(dir, $"collectives.rank{rank}.txt"));
                Assert.Equal(["2"], r["size"]);
                Assert.Contains(name, string.Join(' ', r["description"]));
                Assert.Equal(["3", "6", "0.5"], r["sum_float"]);          // (0+1)+(1+1), 2·that, 0.25·2
                Assert.Equal(["2"], r["sum_double"]);                     // 0.5 + 1.5
                Assert.Equal(["10", "0", "1099511627776"], r["max_long"]); // max(0,10), max(0,−1), 2^40 (needs 64 bits)
                Assert.Equal(["0", "-1"], r["min_long"]);
                Assert.Equal(["107", "-1"], r["bcast_float_from_last"]);  // rank 1's 100·1 + 7, −1
                Assert.Equal(["1", "3"], r["bcast_byte_from_0"]);         // rank 0's 0+1, 2·0+3
                Assert.Equal(["3"], r["big_sum_distinct"]);               // 2^20 floats, each 1 + 2
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
