using Neq.Onnx.Equilibrium;
using Neq.Onnx.Tests.Data;
using Neq.Onnx.Training;

namespace Neq.Onnx.Tests.Training;

/// <summary>
/// The checkpoint container and its NEq side file: round trip, the ordering that keeps a complete
/// checkpoint when a save is cut short, and one clear error for a missing or damaged side file.
/// </summary>
public sealed class CheckpointFileTests
{
    static EquilibriumState State(int seed)
    {
        var rng = new Random(seed);
        double[] D(int n) => Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var layers = new[] { ("conv1", 3, 4), ("bn1", 3, 4), ("fc", 5, 1) }.Select(l =>
        {
            var (name, c, p) = l;
            var act = new byte[c * p * 2 * 6];
            rng.NextBytes(act);
            return new LayerState(new EquilibriumLayer(name, c, p), D(c), D(c), D(c), Enumerable.Range(0, c).Select(i => i % 2 == 0).ToArray(), act);
        }).ToList();
        return new EquilibriumState(true, seed, 6, ActivationPrecision.Half, layers);
    }

    static TrainerCheckpoint Checkpoint(int epochs, EquilibriumState? state) => new(
        epochs, 7,
        new Dictionary<string, float[]> { ["w"] = [1, 2, 3], ["w.momentum"] = [0.5f, 0, -1] },
        new Dictionary<string, float[]> { ["conv1.mask"] = [1, 0, 1] },
        state, []);

    static void AssertSameState(EquilibriumState expected, EquilibriumState actual)
    {
        Assert.Equal(expected.HasReference, actual.HasReference);
        Assert.Equal(expected.EpochsObserved, actual.EpochsObserved);
        Assert.Equal(expected.ValidationCount, actual.ValidationCount);
        Assert.Equal(expected.Precision, actual.Precision);
        Assert.Equal(expected.Layers.Count, actual.Layers.Count);
        foreach (var (e, a) in expected.Layers.Zip(actual.Layers))
        {
            Assert.Equal(e.Layer, a.Layer);
            Assert.Equal(e.Phi, a.Phi);
            Assert.Equal(e.DeltaPhi, a.DeltaPhi);
            Assert.Equal(e.Velocity, a.Velocity);
            Assert.Equal(e.Frozen, a.Frozen);
            Assert.Equal(e.PreviousActivations, a.PreviousActivations);
        }
    }

    static string[] SideFiles(TempFolder dir) =>
        Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)!).Where(f => f.StartsWith("checkpoint.onnx.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void The_NEq_state_goes_to_a_side_file_and_comes_back_equal()
    {
        using var dir = new TempFolder();
        var state = State(1);
        CheckpointFile.Save(dir["checkpoint.onnx"], Checkpoint(3, state));

        Assert.Equal(["checkpoint.onnx.epoch3.neq"], SideFiles(dir));
        var back = CheckpointFile.Load(dir["checkpoint.onnx"]);
        Assert.Equal(3, back.CompletedEpochs);
        Assert.Equal([1f, 2, 3], back.Tensors["w"]);
        Assert.Equal([1f, 0, 1], back.Masks["conv1.mask"]);
        AssertSameState(state, back.Equilibrium!);
        // The state is not inside the checkpoint any more: the container holds the tensors and metadata only.
        Assert.True(new FileInfo(dir["checkpoint.onnx"]).Length < new FileInfo(dir["checkpoint.onnx.epoch3.neq"]).Length + 4096);
    }

    [Fact]
    public void A_new_save_removes_the_older_side_files_and_leftovers_of_a_cut_save()
    {
        using var dir = new TempFolder();
        CheckpointFile.Save(dir["checkpoint.onnx"], Checkpoint(1, State(1)));
        File.WriteAllBytes(dir["checkpoint.onnx.epoch2.neq.tmp-1-abc"], [1, 2, 3]);
        CheckpointFile.Save(dir["checkpoint.onnx"], Checkpoint(2, State(2)));
        Assert.Equal(["checkpoint.onnx.epoch2.neq"], SideFiles(dir));

        CheckpointFile.Save(dir["checkpoint.onnx"], Checkpoint(3, null)); // --no-neq
        Assert.Empty(SideFiles(dir));
        Assert.Null(CheckpointFile.Load(dir["checkpoint.onnx"]).Equilibrium);
    }

    [Fact]
    public void A_save_cut_after_its_side_file_leaves_the_previous_checkpoint_whole()
    {
        using var dir = new TempFolder();
        var state = State(1);
        CheckpointFile.Save(dir["checkpoint.onnx"], Checkpoint(1, state));
        // The next epoch's side file is written, then the process dies before the checkpoint.
        File.WriteAllBytes(dir["checkpoint.onnx.epoch2.neq"], [9, 9, 9]);

        var back = CheckpointFile.Load(dir["checkpoint.onnx"]);
        Assert.Equal(1, back.CompletedEpochs);
        AssertSameState(state, back.Equilibrium!);
    }

    [Fact]
    public void A_missing_side_file_is_one_error_naming_it()
    {
        using var dir = new TempFolder();
        CheckpointFile.Save(dir["checkpoint.onnx"], Checkpoint(1, State(1)));
        File.Delete(dir["checkpoint.onnx.epoch1.neq"]);
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(dir["checkpoint.onnx"]));
        Assert.Contains(dir["checkpoint.onnx.epoch1.neq"], e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    public void A_damaged_side_file_is_one_error_naming_it(string damage)
    {
        using var dir = new TempFolder();
        CheckpointFile.Save(dir["checkpoint.onnx"], Checkpoint(1, State(1)));
        var side = dir["checkpoint.onnx.epoch1.neq"];
        var bytes = File.ReadAllBytes(side);
        if (damage == "flip") bytes[bytes.Length / 2] ^= 0x10;
        else bytes = bytes[..^7];
        File.WriteAllBytes(side, bytes);

        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(dir["checkpoint.onnx"]));
        Assert.Contains(side, e.Message);
        Assert.Contains("damaged", e.Message);
    }
}
