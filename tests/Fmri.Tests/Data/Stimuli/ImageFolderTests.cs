using Fmri.Data.Stimuli;
using SkiaSharp;

namespace Fmri.Tests.Data.Stimuli;

public class ImageFolderTests
{
    private static void WriteImage(string path, int width, int height, Func<int, int, SKColor> color, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, color(x, y));
        using var data = bitmap.Encode(format, 95);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, data.ToArray());
    }

    [Fact]
    public void Loads_png_and_jpeg_images_with_one_category_per_sub_folder()
    {
        using var dir = new TempFolder();
        var orange = new SKColor(200, 100, 50);
        WriteImage(Path.Combine(dir.Path, "boots", "b.png"), 20, 30, (_, _) => orange, SKEncodedImageFormat.Png);
        WriteImage(Path.Combine(dir.Path, "boots", "a.png"), 12, 12, (_, _) => orange, SKEncodedImageFormat.Png);
        // 40 wide x 20 tall, left half white: the centre crop to a square keeps columns 10-29, half white, half black.
        WriteImage(Path.Combine(dir.Path, "coats", "half.png"), 40, 20, (x, _) => x < 20 ? SKColors.White : SKColors.Black, SKEncodedImageFormat.Png);
        WriteImage(Path.Combine(dir.Path, "coats", "grey.jpg"), 16, 16, (_, _) => new SKColor(128, 128, 128), SKEncodedImageFormat.Jpeg);
        File.WriteAllText(Path.Combine(dir.Path, "coats", "notes.txt"), "not an image");

        var grey = ImageFolder.Load(dir.Path, 10, 10, ImageColor.Greyscale);
        Assert.Equal(new[] { "boots", "coats" }, grey.CategoryNames);
        Assert.Equal((4, 10, 10, 1), (grey.Count, grey.Height, grey.Width, grey.Channels));
        Assert.Equal(new[] { "boots/a.png", "boots/b.png", "coats/grey.jpg", "coats/half.png" }, grey.StimulusIds.Select(i => i.Value));
        Assert.Equal(new[] { 0, 0, 1, 1 }, grey.CategoryLabels);
        // Uniform (200, 100, 50): BT.601 luma 0.299*200 + 0.587*100 + 0.114*50 = 124.2 -> 124 everywhere.
        Assert.All(grey.Image(0).ToArray(), v => Assert.Equal(124, v));
        Assert.All(grey.Image(1).ToArray(), v => Assert.Equal(124, v));
        // JPEG of uniform grey 128 decodes within a couple of levels of 128.
        Assert.All(grey.Image(2).ToArray(), v => Assert.InRange(v, 125, 131));
        var half = grey.Image(3).ToArray();
        double left = Enumerable.Range(0, 10).SelectMany(y => Enumerable.Range(0, 4).Select(x => (double)half[y * 10 + x])).Average();
        double right = Enumerable.Range(0, 10).SelectMany(y => Enumerable.Range(6, 4).Select(x => (double)half[y * 10 + x])).Average();
        Assert.True(left > 240 && right < 15, $"left {left}, right {right}");

        var rgb = ImageFolder.Load(dir.Path, 10, 10, ImageColor.Rgb);
        Assert.Equal(3, rgb.Channels);
        Assert.Equal(new byte[] { 200, 100, 50 }, rgb.Image(0)[..3].ToArray());
    }

    [Fact]
    public void A_file_that_is_not_an_image_is_reported_by_name()
    {
        using var dir = new TempFolder();
        string bad = Path.Combine(dir.Path, "cats", "broken.png");
        Directory.CreateDirectory(Path.GetDirectoryName(bad)!);
        File.WriteAllText(bad, "this is not a PNG");
        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Load(dir.Path, 8, 8, ImageColor.Greyscale));
        Assert.Equal(bad, e.File);
        Assert.Equal("image", e.Field);
    }

    [Fact]
    public void A_folder_without_category_sub_folders_is_rejected()
    {
        using var dir = new TempFolder();
        Assert.Equal("categories", Assert.Throws<DataFormatException>(() => ImageFolder.Load(dir.Path, 8, 8, ImageColor.Rgb)).Field);
    }
}
