using Fmri.Core.IO;

namespace Fmri.Core.Imaging;

/// <summary>
/// PNG encoding (through <see cref="ImageFile"/>) of images held as float pixels in [0, 1], row-major (H, W, C) with C = 1 (grey) or 3 (RGB).
/// Values outside [0, 1] are clipped; conversion to bytes rounds to nearest.
/// </summary>
public static class PngImage
{
    public static byte[] Encode(ReadOnlySpan<float> pixels, int height, int width, int channels)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"png: channels must be 1 or 3, got {channels}");
        if (pixels.Length != height * width * channels)
            throw new ArgumentException($"png: {pixels.Length} values for a {height}x{width}x{channels} image");
        var bytes = new byte[height * width * 4];
        for (int i = 0; i < height * width; i++)
        {
            byte r = ToByte(pixels[i * channels]);
            bytes[i * 4] = r;
            bytes[i * 4 + 1] = channels == 3 ? ToByte(pixels[i * 3 + 1]) : r;
            bytes[i * 4 + 2] = channels == 3 ? ToByte(pixels[i * 3 + 2]) : r;
            bytes[i * 4 + 3] = 255;
        }
        return ImageFile.EncodePng(bytes, width, height);
    }

    /// <summary>Writes a PNG file atomically.</summary>
    public static void Save(string path, ReadOnlySpan<float> pixels, int height, int width, int channels)
        => AtomicFile.WriteAllBytes(path, Encode(pixels, height, width, channels));

    /// <summary>Decodes a PNG (or JPEG) into float pixels in [0, 1] with the requested channel count.</summary>
    public static (float[] Pixels, int Height, int Width) Decode(byte[] encoded, int channels)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"png: channels must be 1 or 3, got {channels}");
        var (bytes, w, h) = ImageFile.Decode(encoded);
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
