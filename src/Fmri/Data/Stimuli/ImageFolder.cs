using Fmri.Core.Imaging;
using SkiaSharp;

namespace Fmri.Data.Stimuli;

/// <summary>Colour of the images an <see cref="ImageFolder"/> produces.</summary>
public enum ImageColor
{
    /// <summary>One channel (ITU-R BT.601 luma).</summary>
    Greyscale = 1,

    /// <summary>Three channels, red, green, blue.</summary>
    Rgb = 3,
}

/// <summary>
/// Loads a folder of PNG/JPEG images with one sub-folder per category (the category name is the sub-folder
/// name, as in torchvision's ImageFolder). Categories and files are taken in ordinal name order. Each image is
/// decoded with ImageSharp (<see cref="ImageFile"/>; transparent pixels become black), centre-cropped to the target aspect ratio,
/// resized (bilinear with mipmaps) and converted to greyscale or RGB. The stimulus id of an image is its
/// path relative to the folder with '/' separators, e.g. <c>cat/0001.png</c>. An EXIF orientation tag is applied (the image as a viewer shows it).
/// </summary>
public static class ImageFolder
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="DataFormatException">The folder has no category sub-folders or an image cannot be decoded.</exception>
    public static StimulusImageSet Load(string folder, int height, int width, ImageColor color)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"image size {height} x {width} must be positive");
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: image folder not found");
        var categories = Directory.GetDirectories(folder)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => !name.StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (categories.Length == 0)
            throw new DataFormatException(folder, "categories", "has no sub-folders; put the images of each category in a sub-folder named after it");

        int channels = (int)color;
        var pixels = new List<byte[]>();
        var ids = new List<StimulusId>();
        var labels = new List<int>();
        for (int label = 0; label < categories.Length; label++)
        {
            var files = Directory.GetFiles(Path.Combine(folder, categories[label]))
                .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal);
            foreach (var file in files)
            {
                pixels.Add(LoadImage(file, height, width, channels));
                ids.Add(new StimulusId($"{categories[label]}/{Path.GetFileName(file)}"));
                labels.Add(label);
            }
        }
        if (pixels.Count == 0)
            throw new DataFormatException(folder, "images", "the category sub-folders hold no .png, .jpg or .jpeg files");

        int length = height * width * channels;
        var all = new byte[(long)pixels.Count * length];
        for (int i = 0; i < pixels.Count; i++) pixels[i].CopyTo(all, (long)i * length);
        return new StimulusImageSet(all, pixels.Count, height, width, channels, [.. ids], [.. labels], categories);
    }

    /// <summary>Decodes one PNG/JPEG file into (height, width, channels) uint8 pixels.</summary>
    public static byte[] LoadImage(string file, int height, int width, int channels)
    {
        var image = ImageFile.Read(file);
        using var decoded = ImageResampling.ToBitmap(image.Pixels, image.Height, image.Width, 4);

        // Centre crop to the target aspect ratio, so resizing does not distort shapes.
        double targetAspect = (double)width / height;
        int cropWidth = decoded.Width, cropHeight = decoded.Height;
        if ((double)cropWidth / cropHeight > targetAspect) cropWidth = Math.Max(1, (int)Math.Round(cropHeight * targetAspect));
        else cropHeight = Math.Max(1, (int)Math.Round(cropWidth / targetAspect));
        var rect = SKRectI.Create((decoded.Width - cropWidth) / 2, (decoded.Height - cropHeight) / 2, cropWidth, cropHeight);
        using var cropped = new SKBitmap();
        if (!decoded.ExtractSubset(cropped, rect))
            throw new DataFormatException(file, "image", $"cannot crop {decoded.Width}x{decoded.Height} to {cropWidth}x{cropHeight}");

        using var resized = ImageResampling.Resize(cropped, height, width);
        return ImageResampling.FromBitmap(resized, channels);
    }
}
