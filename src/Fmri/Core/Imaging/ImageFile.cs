using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Fmri.Core.Imaging;

/// <summary>
/// Image files through SixLabors.ImageSharp: PNG and JPEG decoded to 8-bit RGBA with any transparency composited over
/// black (a transparent pixel is black, an opaque one keeps its colour), and PNG encoded from 8-bit RGBA. An EXIF
/// orientation tag is applied (the image is turned the way a viewer shows it, as a camera's photos were seen), so the
/// pixels are those of the picture on screen, not of the sensor's readout.
/// </summary>
public static class ImageFile
{
    /// <summary>The decoded pixels of an image file, row-major RGBA bytes composited over black.</summary>
    public sealed record Rgba(byte[] Pixels, int Width, int Height);

    /// <summary>Decodes a PNG or JPEG file; an unreadable or undecodable file is a <see cref="DataFormatException"/> naming it.</summary>
    public static Rgba Read(string file)
    {
        try
        {
            using var image = Image.Load<Rgba32>(file);
            return OverBlack(Upright(image));
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException or InvalidDataException)
        {
            throw new DataFormatException(file, "image", $"cannot be decoded as PNG or JPEG ({FirstLine(e.Message)})");
        }
    }

    /// <summary>Decodes PNG or JPEG bytes.</summary>
    public static Rgba Decode(byte[] encoded)
    {
        try
        {
            using var image = Image.Load<Rgba32>(encoded);
            return OverBlack(Upright(image));
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException)
        {
            throw new InvalidDataException($"not a decodable PNG or JPEG image ({FirstLine(e.Message)})", e);
        }
    }

    /// <summary>Turns the image as its EXIF orientation tag says and resets the tag (no tag: unchanged).</summary>
    private static Image<Rgba32> Upright(Image<Rgba32> image)
    {
        image.Mutate(x => x.AutoOrient());
        return image;
    }

    // ImageSharp's message for an unknown format goes on to list every registered decoder, one per line.
    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim().TrimEnd('.', ':');

    /// <summary>A PNG of row-major RGBA bytes.</summary>
    public static byte[] EncodePng(byte[] rgba, int width, int height)
    {
        if (rgba.Length != checked(width * height * 4))
            throw new ArgumentException($"png: {rgba.Length} bytes for a {width}x{height} RGBA image", nameof(rgba));
        using var image = Image.LoadPixelData<Rgba32>(rgba, width, height);
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    private static Rgba OverBlack(Image<Rgba32> image)
    {
        var pixels = new byte[checked(image.Width * image.Height * 4)];
        image.CopyPixelDataTo(pixels);
        for (int p = 0; p < pixels.Length; p += 4)
        {
            int alpha = pixels[p + 3];
            if (alpha == 255) continue;
            for (int c = 0; c < 3; c++) pixels[p + c] = (byte)((pixels[p + c] * alpha + 127) / 255);
            pixels[p + 3] = 255;
        }
        return new Rgba(pixels, image.Width, image.Height);
    }
}
