using Neq.Onnx.Data;

namespace Neq.Onnx.Tests.Data;

public sealed class InputFitTests
{
    // Image i, channel k, pixel (y, x) = 1 + 16i + 8k + 3y + x (small, distinct, never 0).
    static Dataset Digits(int count, int c, int h, int w, string name = "mnist")
    {
        var bytes = new byte[count * c * h * w];
        for (var i = 0; i < count; i++)
            for (var k = 0; k < c; k++)
                for (var y = 0; y < h; y++)
                    for (var x = 0; x < w; x++)
                        bytes[((i * c + k) * h + y) * w + x] = (byte)(1 + 16 * i + 8 * k + 3 * y + x);
        var set = SampleSet.FromBytes(bytes, [c, h, w], Enumerable.Range(0, count).ToArray());
        return new Dataset(name, set, set, null, new ImageNormalization(Enumerable.Repeat(0f, c).ToArray(), Enumerable.Repeat(1f, c).ToArray()), AugmentMode.None, "mem", []);
    }

    [Fact]
    public void Smaller_images_are_zero_padded_around_the_centre_and_it_is_said()
    {
        // 1×3×2 into 1×6×5: 3 spare rows → 1 above, 2 below; 3 spare columns → 1 left, 2 right.
        var fitted = InputFit.Fit(Digits(2, 1, 3, 2), new ModelInput("x", [-1, 1, 6, 5]));
        Assert.Equal([1, 6, 5], fitted.SampleShape);
        Assert.False(fitted.ChannelsLast);
        var image = fitted.Dataset.Train.ByteSample(1);
        for (var y = 0; y < 6; y++)
            for (var x = 0; x < 5; x++)
            {
                var inside = y is >= 1 and < 4 && x is >= 1 and < 3;
                Assert.Equal(inside ? (byte)(1 + 16 + 3 * (y - 1) + (x - 1)) : (byte)0, image[y * 5 + x]);
            }
        Assert.Contains("zero-padded to 6×5 around the centre (1 rows above, 2 below, 1 columns left, 2 right)", fitted.Dataset.Notes.Single());
    }

    [Fact]
    public void Resize_scales_instead_of_padding()
    {
        var data = Digits(1, 1, 4, 4);
        // A uniform image stays uniform under any interpolating filter.
        var uniform = data with { Train = SampleSet.FromBytes(Enumerable.Repeat((byte)77, 16).ToArray(), [1, 4, 4], [0]) };
        var fitted = InputFit.Fit(uniform, new ModelInput("x", [1, 1, 8, 6]), resize: true);
        Assert.Equal([1, 8, 6], fitted.Dataset.Train.Shape);
        Assert.All(fitted.Dataset.Train.ByteSample(0).ToArray(), v => Assert.Equal(77, v));
        Assert.Contains("resized from 4×4 to 8×6", fitted.Dataset.Notes.Single());
    }

    [Fact]
    public void Larger_images_without_resize_say_what_the_model_wants_and_what_the_data_has()
    {
        var e = Assert.Throws<DatasetException>(() => InputFit.Fit(Digits(1, 1, 40, 40), new ModelInput("input", [-1, 1, 32, 32])));
        Assert.Equal("Model input input wants [?, 1, 32, 32] (N, C, H, W); the mnist data (mem) has Byte samples of 1×40×40. The images are larger than the input; pass --resize to scale them.", e.Message);
    }

    [Fact]
    public void Channel_mismatch_is_an_error()
    {
        var e = Assert.Throws<DatasetException>(() => InputFit.Fit(Digits(1, 1, 28, 28), new ModelInput("input", [-1, 3, 32, 32])));
        Assert.Contains("wants [?, 3, 32, 32]", e.Message);
        Assert.Contains("1×28×28", e.Message);
        Assert.Contains("channel counts differ (3 vs 1)", e.Message);
    }

    [Fact]
    public void Channels_last_batches_are_the_transposed_channels_first_batches()
    {
        var data = Digits(3, 3, 2, 4, "cifar10");
        var first = InputFit.Fit(data, new ModelInput("x", [-1, 3, 2, 4]));
        var last = InputFit.Fit(data, new ModelInput("x", [-1, 2, 4, 3], InputLayout.ChannelsLast));
        Assert.True(last.ChannelsLast);
        Assert.Equal([2, 4, 3], last.SampleShape);
        var norm = new ImageNormalization([0.1f, 0.2f, 0.3f], [0.5f, 0.6f, 0.7f]);
        var a = new BatchLoader(first.Dataset.Train, new BatchLoaderOptions(3, Augment: true, Seed: 5, Padding: 1, Normalization: norm));
        var b = new BatchLoader(last.Dataset.Train, new BatchLoaderOptions(3, Augment: true, Seed: 5, Padding: 1, Normalization: norm, ChannelsLast: true));
        Assert.Equal([3L, 2, 4, 3], b.BatchShape(0));
        float[] nchw = new float[72], nhwc = new float[72];
        a.FillBatch(0, 0, nchw, new long[3]);
        b.FillBatch(0, 0, nhwc, new long[3]);
        for (var n = 0; n < 3; n++)
            for (var k = 0; k < 3; k++)
                for (var p = 0; p < 8; p++)
                    Assert.Equal(nchw[n * 24 + k * 8 + p], nhwc[n * 24 + p * 3 + k]);
    }

    [Fact]
    public void Uint8_npz_images_stored_channels_last_fit_a_channels_last_model()
    {
        // Two 2×2 RGB images stored (H, W, C); the fitted set keeps them (C, H, W).
        var hwc = Enumerable.Range(0, 24).Select(i => (byte)i).ToArray();
        var set = SampleSet.FromBytes(hwc, [2, 2, 3], [0, 1]);
        var data = new Dataset(Npz.Name, set, set, null, null, AugmentMode.None, "d.npz", []);
        var fitted = InputFit.Fit(data, new ModelInput("x", [-1, 2, 2, 3], InputLayout.ChannelsLast));
        Assert.Equal([3, 2, 2], fitted.Dataset.Train.Shape);
        Assert.Equal((byte)(12 + 1 * 3 + 2), fitted.Dataset.Train.ByteSample(1)[2 * 4 + 1]);
        var loader = new BatchLoader(fitted.Dataset.Train, new BatchLoaderOptions(2, ChannelsLast: true, SampleShape: fitted.SampleShape));
        var x = new float[24];
        loader.FillBatch(0, 0, x, new long[2]);
        Assert.Equal(hwc.Select(v => v / 255f).ToArray(), x);
    }

    [Fact]
    public void One_dimensional_signals_get_a_channel_axis_and_images_flatten_into_features()
    {
        var signals = SampleSet.FromFloats(Enumerable.Range(0, 10).Select(i => (float)i).ToArray(), [5], [0, 1]);
        var data = new Dataset(Npz.Name, signals, signals, null, null, AugmentMode.None, "s.npz", []);
        var fitted = InputFit.Fit(data, new ModelInput("x", [-1, 1, 5]));
        Assert.Equal([1, 5], fitted.SampleShape);
        var loader = new BatchLoader(fitted.Dataset.Train, new BatchLoaderOptions(2, SampleShape: fitted.SampleShape));
        Assert.Equal([2L, 1, 5], loader.BatchShape(0));

        var flat = InputFit.Fit(Digits(2, 1, 3, 2), new ModelInput("x", [-1, 6]));
        Assert.Equal([6], flat.SampleShape);
        var mlp = new BatchLoader(flat.Dataset.Train, new BatchLoaderOptions(2, SampleShape: flat.SampleShape, Normalization: flat.Dataset.Normalization));
        Assert.Equal([2L, 6], mlp.BatchShape(0));
        var x = new float[12];
        mlp.FillBatch(0, 0, x, new long[2]);
        // Feature 4 of sample 1 is pixel (y, x) = (2, 0) of a 3×2 image.
        Assert.Equal((1 + 16 + 3 * 2 + 0) / 255f, x[6 + 4]);

        var e = Assert.Throws<DatasetException>(() => InputFit.Fit(data, new ModelInput("x", [-1, 4])));
        Assert.Contains("wants [?, 4]; the npz data (s.npz) has Float32 samples of 5", e.Message);
    }

    [Fact]
    public void A_sample_set_of_cifar_images_batches_exactly_like_the_image_set()
    {
        var rng = new Random(3);
        var pixels = new byte[5 * 3072];
        rng.NextBytes(pixels);
        var images = new ImageSet(pixels, [1, 2, 3, 4, 5], 3, 32, 32);
        // The image-set path defaults to the CIFAR-10 normalisation; a sample set is given it explicitly.
        var options = new BatchLoaderOptions(2, Shuffle: true, Augment: true, Seed: 11, Normalization: ImageNormalization.Cifar10);
        var a = new BatchLoader(images, options);
        var b = new BatchLoader(SampleSet.FromImageSet(images), options);
        for (var batch = 0; batch < 3; batch++)
        {
            float[] x1 = new float[2 * 3072], x2 = new float[2 * 3072];
            long[] y1 = new long[2], y2 = new long[2];
            a.FillBatch(1, batch, x1, y1);
            b.FillBatch(1, batch, x2, y2);
            Assert.Equal(x1, x2);
            Assert.Equal(y1, y2);
            Assert.Equal(a.BatchShape(batch), b.BatchShape(batch));
        }
    }
}
