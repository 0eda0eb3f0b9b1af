using Fmri.Core.IO;
using SkiaSharp;

namespace Fmri.Core.Imaging;

/// <summary>
/// PNG encoding of images held as float pixels in [0, 1], row-major (H, W, C) with C = 1 (grey) or 3 (RGB).
/// Values outside [0, 1] are clipped; conversion to bytes rounds to nearest.
/// </summary>
public static class PngImage
{
    public static byte[] Encode(ReadOnlySpan<float> pixels, int height, int width, int channels)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"png: channels must be 1 or 3, got {channels}");
        if (pixels.Length != height * width * channels)
            throw new ArgumentException($"png: {pixels.Length} values for a {height}x{width}x{channels} image");
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var bytes = new byte[height * width * 4];
        for (int i = 0; i < height * width; i++)
        {
            byte r = ToByte(pixels[i * channels]);
            bytes[i * 4] = r;
            bytes[i * 4 + 1] = channels == 3 ? ToByte(pixels[i * 3 + 1]) : r;
            bytes[i * 4 + 2] = channels == 3 ? ToByte(pixels[i * 3 + 2]) : r;
            bytes[i * 4 + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Writes a PNG file atomically.</summary>
    public static void Save(string path, ReadOnlySpan<float> pixels, int height, int width, int channels)
        => AtomicFile.WriteAllBytes(path, Encode(pixels, height, width, channels));

    /// <summary>Decodes a PNG (or JPEG) into float pixels in [0, 1] with the requested channel count.</summary>
    public static (float[] Pixels, int Height, int Width) Decode(byte[] encoded, int channels)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"png: channels must be 1 or 3, got {channels}");
        using var bitmap = SKBitmap.Decode(encoded) ?? throw new InvalidDataException("png: not a decodable image");
        using var rgba = bitmap.Copy(SKColorType.Rgba8888);
        var bytes = rgba.GetPixelSpan();
        int h = rgba.Height, w = rgba.Width;
        var pixels = new float[h * w * channels];
        for (int i = 0; i < h * w; i++)
        {
            float r = bytes[i * 4] / 255f, g = bytes[i * 4 + 1] / 255f, b = bytes[i * 4 + 2] / 255f;
            if (channels == 1) pixels[i] = 0.299f * r + 0.587f * g + 0.114f * b; // ITU-R BT.601 luma
            else { pixels[i * 3] = r; pixels[i * 3 + 1] = g; pixels[i * 3 + 2] = b; }
        }
        return (pixels, h, w);
    }

    private static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round(v * 255f), 0, 255);
}
