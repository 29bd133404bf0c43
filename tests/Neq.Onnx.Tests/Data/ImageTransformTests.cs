using Neq.Onnx.Data;

namespace Neq.Onnx.Tests.Data;

public sealed class ImageTransformTests
{
    [Fact]
    public void Normalises_like_torchvision()
    {
        // A 3×1×2 image; expected values are (b/255 − mean_c)/std_c worked out in double by hand:
        // ch0: 255 → (1 − 0.49139968)/0.2023 = 2.5140896, 200 → (0.7843137 − 0.49139968)/0.2023 = 1.4479192
        // ch1: 128 → (0.5019608 − 0.48215841)/0.1994 = 0.0993098, 10 → (0.0392157 − 0.48215841)/0.1994 = −2.2213778
        // ch2:   0 → −0.44653091/0.2010 = −2.2215468, 77 → (0.3019608 − 0.44653091)/0.2010 = −0.7192544
        var t = new ImageTransform(3, 1, 2, ImageNormalization.Cifar10, padding: 0);
        var output = new float[6];
        t.Normalize([255, 200, 128, 10, 0, 77], output);
        double[] expected = [2.5140896, 1.4479192, 0.0993098, -2.2213778, -2.2215468, -0.7192544];
        for (var i = 0; i < 6; i++) Assert.Equal(expected[i], output[i], 1e-5);
    }

    // A 4×4 single-channel image 1..16 with mean 0 and std 1, so out·255 shows which pixel landed where.
    static readonly byte[] Grid = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

    public static TheoryData<int, int, bool, byte[]> Crops => new()
    {
        // Centre window, no flip: the image itself.
        { 2, 2, false, Grid },
        // Window at (0, 3) of the 8×8 padded image: two zero rows, then image rows 0–1 from column 1, zero column at the right.
        { 0, 3, false, [0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 4, 0, 6, 7, 8, 0] },
        // The same window mirrored left–right after cropping.
        { 0, 3, true, [0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 3, 2, 0, 8, 7, 6] },
        // Window at (4, 0): image rows 2–3 shifted right by two, then two zero rows.
        { 4, 0, false, [0, 0, 9, 10, 0, 0, 13, 14, 0, 0, 0, 0, 0, 0, 0, 0] },
        // Centre window flipped: each row reversed.
        { 2, 2, true, [4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13] },
    };

    [Theory]
    [MemberData(nameof(Crops))]
    public void Crops_with_zero_padding_and_flips(int top, int left, bool flip, byte[] expected)
    {
        var t = new ImageTransform(1, 4, 4, new ImageNormalization([0f], [1f]), padding: 2);
        var output = new float[16];
        t.Apply(Grid, new CropFlip(top, left, flip), output);
        Assert.Equal(expected, output.Select(v => (byte)Math.Round(v * 255)).ToArray());
    }

    [Fact]
    public void Padding_is_zero_before_normalisation()
    {
        var image = Enumerable.Repeat((byte)255, 3 * 32 * 32).ToArray();
        var t = new ImageTransform(3, 32, 32, ImageNormalization.Cifar10);
        var output = new float[3 * 32 * 32];
        t.Apply(image, new CropFlip(0, 0, false), output);
        // Padded pixels are black (0) normalised: −mean/std = −0.49139968/0.2023 = −2.4290642 (red),
        // −0.48215841/0.1994 = −2.4180462 (green); real pixels start at row 4, column 4.
        Assert.Equal(-2.4290642, output[0], 1e-5);
        Assert.Equal(-2.4180462, output[1024 + 3 * 32 + 31], 1e-5);
        Assert.Equal(2.5140896, output[4 * 32 + 4], 1e-5);
        Assert.Equal(-2.4290642, output[4 * 32 + 3], 1e-5);
    }

    [Fact]
    public void Rejects_windows_outside_the_padding()
    {
        var t = new ImageTransform(1, 4, 4, new ImageNormalization([0f], [1f]), padding: 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Apply(Grid, new CropFlip(5, 0, false), new float[16]));
        Assert.Throws<ArgumentException>(() => new ImageTransform(3, 4, 4, new ImageNormalization([0f], [1f])));
    }
}
