using Neq.Onnx.Data;
using SkiaSharp;

namespace Neq.Onnx.Tests.Data;

public sealed class ImageFolderTests
{
    // Pixel (x, y) of image k: R = 10k + x, G = 20 + y, B = 200 − x − y.
    static (byte R, byte G, byte B) Colour(int k, int x, int y) => ((byte)(10 * k + x), (byte)(20 + y), (byte)(200 - x - y));

    static void WritePng(string path, int k, int w = 6, int h = 4)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var (r, g, b) = Colour(k, x, y);
                bitmap.SetPixel(x, y, new SKColor(r, g, b));
            }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    static DatasetOptions Options(string root, int c = 3, int h = 4, int w = 6) =>
        new() { Name = "folder", DataPath = root, ImageShape = [c, h, w] };

    [Fact]
    public void Classes_are_sorted_folder_names_and_png_pixels_are_exact()
    {
        using var tmp = new TempFolder();
        WritePng(tmp["train/zebra/a.png"], 1);
        WritePng(tmp["train/Ant/b.png"], 2);
        WritePng(tmp["train/Ant/a.png"], 3);
        WritePng(tmp["test/zebra/c.png"], 4);
        var data = ImageFolder.Load(Options(tmp.Path));
        // Ordinal order puts upper case first, as Python's sorted() does.
        Assert.Equal(["Ant", "zebra"], data.ClassNames);
        Assert.Equal([0, 0, 1], data.Train.Labels.ToArray());
        Assert.Equal([1], data.Test.Labels.ToArray());
        // Train order: Ant/a.png (k = 3), Ant/b.png (k = 2), zebra/a.png (k = 1); planes R, G, B.
        var image = data.Train.ByteSample(0);
        for (var y = 0; y < 4; y++)
            for (var x = 0; x < 6; x++)
            {
                var (r, g, b) = Colour(3, x, y);
                Assert.Equal(r, image[y * 6 + x]);
                Assert.Equal(g, image[24 + y * 6 + x]);
                Assert.Equal(b, image[48 + y * 6 + x]);
            }
        Assert.Empty(data.Notes);
        Assert.Equal(ImageFolder.ImageNet, data.Normalization);
    }

    [Fact]
    public void Grey_models_get_pil_luma_and_other_sizes_are_resized()
    {
        using var tmp = new TempFolder();
        WritePng(tmp["train/a/x.png"], 5);
        WritePng(tmp["test/a/y.png"], 5);
        var grey = ImageFolder.Load(Options(tmp.Path, c: 1));
        var (r, g, b) = Colour(5, 2, 3);
        Assert.Equal((byte)((r * 299 + g * 587 + b * 114 + 500) / 1000), grey.Train.ByteSample(0)[3 * 6 + 2]);

        // A uniform image stays uniform whatever the filter; its size is the model's.
        using var bitmap = new SKBitmap(new SKImageInfo(9, 7));
        bitmap.Erase(new SKColor(40, 80, 120));
        File.WriteAllBytes(tmp["train/a/x.png"], bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray());
        var resized = ImageFolder.Load(Options(tmp.Path, h: 3, w: 5));
        Assert.Equal([3, 3, 5], resized.Train.Shape);
        Assert.All(resized.Train.ByteSample(0)[..15].ToArray(), v => Assert.Equal(40, v));
        Assert.All(resized.Train.ByteSample(0)[30..].ToArray(), v => Assert.Equal(120, v));
    }

    [Fact]
    public void A_corrupt_image_is_an_error_naming_the_file()
    {
        using var tmp = new TempFolder();
        WritePng(tmp["train/a/good.png"], 1);
        WritePng(tmp["train/b/bad.png"], 2);
        var png = File.ReadAllBytes(tmp["train/b/bad.png"]);
        File.WriteAllBytes(tmp["train/b/bad.png"], png[..(png.Length / 2)]);
        var e = Assert.Throws<DatasetException>(() => ImageFolder.Load(Options(tmp.Path)));
        Assert.Equal($"{tmp["train/b/bad.png"]}: cannot decode the image (corrupt, truncated or not an image).", e.Message);
    }

    [Fact]
    public void Without_a_test_folder_a_seeded_fraction_becomes_the_test_set()
    {
        using var tmp = new TempFolder();
        for (var k = 0; k < 10; k++) WritePng(tmp[$"train/{(k < 5 ? "a" : "b")}/{k}.png"], k);
        var data = ImageFolder.Load(Options(tmp.Path) with { TestFraction = 0.3, Seed = 7 });
        Assert.Equal(7, data.Train.Count);
        Assert.Equal(3, data.Test.Count);
        Assert.Contains("no test/ folder: 3 of its 10 images (30 %, seed 7)", data.Notes.Single());
        var again = ImageFolder.Load(Options(tmp.Path) with { TestFraction = 0.3, Seed = 7 });
        Assert.Equal(data.Test.Labels.ToArray(), again.Test.Labels.ToArray());
        Assert.Equal(data.Test.ByteSample(2).ToArray(), again.Test.ByteSample(2).ToArray());
    }

    [Fact]
    public void A_test_class_without_a_training_folder_is_an_error()
    {
        using var tmp = new TempFolder();
        WritePng(tmp["train/a/x.png"], 1);
        WritePng(tmp["test/c/x.png"], 1);
        var e = Assert.Throws<DatasetException>(() => ImageFolder.Load(Options(tmp.Path)));
        Assert.Contains("class folder c has no training folder", e.Message);
    }

    [Fact]
    public void Class_names_are_written_to_the_run_folder()
    {
        using var tmp = new TempFolder();
        WritePng(tmp["data/train/cat/x.png"], 1);
        WritePng(tmp["data/train/dog/x.png"], 1);
        WritePng(tmp["data/test/dog/x.png"], 1);
        var data = ImageFolder.Load(Options(tmp["data"]));
        DatasetCatalog.WriteClassNames(data, tmp.Path);
        Assert.Equal(["cat", "dog"], File.ReadAllLines(tmp["classes.txt"]));
    }
}
