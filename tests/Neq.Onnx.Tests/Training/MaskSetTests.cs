using Neq.Onnx.Artifacts;
using Neq.Onnx.Training;

namespace Neq.Onnx.Tests.Training;

/// <summary>The typed masks: one per layer in the manifest's order, frozen shares, and the checkpoint round trip.</summary>
public sealed class MaskSetTests
{
    static readonly ArtifactManifest Manifest = TrainingArtifacts.Build(TinyClassifier.Model(), new ArtifactOptions(new OptimizerOptions())).Manifest;

    [Fact]
    public void Masks_start_trainable_one_per_layer_in_the_manifests_order()
    {
        using var masks = new MaskSet(Manifest.Masks);
        Assert.Equal(Manifest.Masks.Select(k => (k.Layer, k.Name, k.Channels)), masks.Layers.Select(l => (l.Layer, l.Input, l.Data.Length)));
        Assert.False(masks.AnyFrozen);
        Assert.All(masks.FrozenFractions().Values, f => Assert.Equal(0, f));
    }

    [Fact]
    public void Frozen_fractions_count_zeros_per_layer_and_survive_a_checkpoint_round_trip()
    {
        using var masks = new MaskSet(Manifest.Masks);
        var first = masks[0];
        first.Data[0] = 0;
        first.Data[^1] = 0;
        Assert.True(masks.AnyFrozen);
        Assert.Equal(2.0 / first.Data.Length, masks.FrozenFractions()[first.Layer], 12);
        var saved = masks.ByInput();
        var snapshot = masks.Snapshot();

        using var again = new MaskSet(Manifest.Masks);
        Assert.False(again.Matches(snapshot));
        again.Restore(saved, "cp");
        Assert.True(again.Matches(snapshot));
        Assert.Equal(masks.FrozenFractions(), again.FrozenFractions());
    }

    [Fact]
    public void A_checkpoint_without_a_layers_mask_is_refused_naming_the_file_and_the_mask()
    {
        using var masks = new MaskSet(Manifest.Masks);
        var saved = masks.ByInput().Where(kv => kv.Key != masks[^1].Input).ToDictionary();
        var e = Assert.Throws<InvalidDataException>(() => masks.Restore(saved, "/runs/r/checkpoint.onnx"));
        Assert.StartsWith("/runs/r/checkpoint.onnx: ", e.Message);
        Assert.Contains(masks[^1].Input, e.Message);
    }
}
