using System.Globalization;

namespace Neq.Onnx.Tests.Distributed;

/// <summary>
/// <see cref="Neq.Onnx.Distributed.DataParallelStep"/> across real ranks (tests/Neq.Mpi.Probe under
/// mpirun): K ranks at a global batch reach one process's parameters on a model without
/// BatchNormalization, keep identical parameters on a model with it, and a rank that dies ends the
/// job with an error instead of leaving the others waiting in an allreduce.
/// </summary>
public sealed class DataParallelMpiTests
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    // Global batch 15 over 2 ranks: shards of 8 and 7 (the weighting by shard size matters), and
    // 40 images per epoch make a last batch of 10 (5 + 5); every other channel of each layer frozen.
    static readonly string[] PlainSteps = ["step", "--model", "plain", "--steps", "6", "--batch", "15", "--images", "40", "--masks"];

    /// <summary>
    /// Tolerance: both runs compute the same mean gradient, summed in another order (per shard, then
    /// n_r·g_r over ranks, then ÷N, against one sum over the batch). Each gradient element then
    /// differs by a few float32 roundings of its magnitude (ε = 6e-8; sums of ≤ 15 images: ≤ 1e-6
    /// relative), and 6 SGD steps at lr 0.05 with momentum 0.9 (an amplification of at most
    /// Σ 0.9^k &lt; 6) move a parameter by lr·6·|g|, so with |g| ≲ 3 the parameters agree to
    /// 0.05·6·6·3·1e-6 ≈ 5e-6. Measured: about 1e-8.
    /// </summary>
    const double Tolerance = 1e-5;

    [MpiFact("openmpi")]
    public void Two_ranks_reach_the_parameters_of_one_process_at_the_same_global_batch()
    {
        var dir = Directory.CreateTempSubdirectory("neq-mpi-dp-").FullName;
        try
        {
            var (alone, mpi) = (Path.Combine(dir, "alone"), Path.Combine(dir, "mpi"));
            var (code, output) = MpiRun.Alone([.. PlainSteps, "--out", alone], Limit);
            Assert.True(code == 0, output);
            (code, output) = MpiRun.Mpi("openmpi", 2, [.. PlainSteps, "--out", mpi], Limit);
            Assert.True(code == 0, output);

            var one = MpiRun.ReadResults(Path.Combine(alone, "step.rank0.txt"));
            var ranks = Enumerable.Range(0, 2).Select(r => MpiRun.ReadResults(Path.Combine(mpi, $"step.rank{r}.txt"))).ToArray();
            Assert.Equal(ranks[0]["checksum"], ranks[1]["checksum"]);
            double moved = 0;
            foreach (var key in one.Keys.Where(k => k.StartsWith("value ", StringComparison.Ordinal)))
            {
                var expected = Floats(one[key]);
                foreach (var rank in ranks)
                {
                    var actual = Floats(rank[key]);
                    Assert.Equal(expected.Length, actual.Length);
                    for (int i = 0; i < expected.Length; i++)
                        Assert.True(Math.Abs(actual[i] - expected[i]) <= Tolerance, $"{key}[{i}]: 2 ranks {actual[i]}, 1 process {expected[i]}");
                }
                moved = Math.Max(moved, expected.Zip(Floats(one["initial" + key[5..]]), (a, b) => Math.Abs(a - b)).Max());
            }
            Assert.True(moved > 100 * Tolerance, $"the parameters moved by at most {moved}: the comparison would prove nothing");

            // The reported global loss and correct count are the single process's; the shards were 8 + 7, and 5 + 5 in the last batch of 10.
            string[] Steps(string file) => File.ReadAllLines(file).Where(l => l.StartsWith("step ", StringComparison.Ordinal)).ToArray();
            var (single, rank0, rank1) = (Steps(Path.Combine(alone, "step.rank0.txt")), Steps(Path.Combine(mpi, "step.rank0.txt")), Steps(Path.Combine(mpi, "step.rank1.txt")));
            Assert.Equal(6, single.Length);
            Assert.Equal(rank0.Select(l => string.Join(' ', l.Split(' ')[..8])), rank1.Select(l => string.Join(' ', l.Split(' ')[..8])));
            for (int s = 0; s < 6; s++)
            {
                var (a, b) = (single[s].Split(' '), rank0[s].Split(' '));
                Assert.Equal(a[4..8], b[4..8]); // correct, count
                Assert.True(Math.Abs(double.Parse(a[3], CultureInfo.InvariantCulture) - double.Parse(b[3], CultureInfo.InvariantCulture)) <= Tolerance, $"loss of step {s}: {single[s]} / {rank0[s]}");
            }
            Assert.Equal([.. "15 15 10 15 15 10".Split(' ')], single.Select(l => l.Split(' ')[9]).ToArray());
            Assert.Equal([.. "8 8 5 8 8 5".Split(' ')], rank0.Select(l => l.Split(' ')[9]).ToArray());
            Assert.Equal([.. "7 7 5 7 7 5".Split(' ')], rank1.Select(l => l.Split(' ')[9]).ToArray());
        }
        finally { Directory.Delete(dir, true); }
    }

    [MpiFact("mpich")]
    public void With_batch_normalization_both_ranks_keep_identical_parameters_and_average_running_statistics()
    {
        var dir = Directory.CreateTempSubdirectory("neq-mpi-bn-").FullName;
        try
        {
            var (code, output) = MpiRun.Mpi("mpich", 2, ["step", "--model", "bn", "--steps", "4", "--batch", "16", "--images", "32", "--out", dir], Limit);
            Assert.True(code == 0, output); // the probe ran VerifyIdenticalParameters on every rank
            var ranks = Enumerable.Range(0, 2).Select(r => MpiRun.ReadResults(Path.Combine(dir, $"step.rank{r}.txt"))).ToArray();
            Assert.Equal(ranks[0]["checksum"], ranks[1]["checksum"]);
            foreach (var key in ranks[0].Keys.Where(k => k.StartsWith("value ", StringComparison.Ordinal)))
                Assert.Equal(ranks[0][key], ranks[1][key]); // parameters, momentum, and the averaged running statistics, bit for bit
            Assert.NotEqual(["0"], ranks[0]["value bn1.running_mean"].Distinct().ToArray()); // they did update
        }
        finally { Directory.Delete(dir, true); }
    }

    [MpiFact("openmpi")]
    public void A_rank_killed_mid_epoch_ends_the_job_with_an_error_under_open_mpi() =>
        AssertJobFails("openmpi", "kill", expected: null);

    [MpiFact("mpich")]
    public void A_rank_that_exits_mid_epoch_ends_the_job_with_an_error_under_mpich() =>
        AssertJobFails("mpich", "exit", expected: "rank 1 exits on purpose at step 2");

    [MpiFact("openmpi")]
    public void A_rank_that_fails_aborts_the_job_with_its_error_line() =>
        AssertJobFails("openmpi", "throw", expected: "error: rank 1 of 2: rank 1 failed on purpose at step 2");

    static void AssertJobFails(string implementation, string how, string? expected)
    {
        var dir = Directory.CreateTempSubdirectory("neq-mpi-die-").FullName;
        try
        {
            // Rank 0 goes on into its third step's allreduce and would wait there forever unless the launcher ends the job.
            var (code, output) = MpiRun.Mpi(implementation, 2,
                ["step", "--model", "plain", "--steps", "6", "--batch", "16", "--images", "64", "--die-rank", "1", "--die-after", "2", "--die-how", how, "--out", dir], Limit);
            Assert.True(code != 0, $"the job ended with exit code 0:\n{output}");
            if (expected is not null) Assert.Contains(expected, output);
            Assert.False(File.Exists(Path.Combine(dir, "step.rank0.txt")), "rank 0 finished although rank 1 died");
        }
        finally { Directory.Delete(dir, true); }
    }

    [MpiFact("openmpi")]
    [Trait("Category", "Slow")]
    public void ResNet_32_keeps_identical_parameters_on_two_ranks()
    {
        var dir = Directory.CreateTempSubdirectory("neq-mpi-resnet-").FullName;
        try
        {
            var (code, output) = MpiRun.Mpi("openmpi", 2, ["step", "--model", "resnet32", "--steps", "3", "--batch", "32", "--images", "64", "--out", dir], TimeSpan.FromMinutes(5));
            Assert.True(code == 0, output);
            var ranks = Enumerable.Range(0, 2).Select(r => MpiRun.ReadResults(Path.Combine(dir, $"step.rank{r}.txt"))).ToArray();
            Assert.Equal(ranks[0]["checksum"], ranks[1]["checksum"]);
            foreach (var key in ranks[0].Keys.Where(k => k.StartsWith("value ", StringComparison.Ordinal)))
                Assert.Equal(ranks[0][key], ranks[1][key]);
        }
        finally { Directory.Delete(dir, true); }
    }

    static double[] Floats(string[] words) => words.Select(w => double.Parse(w, CultureInfo.InvariantCulture)).ToArray();
}
