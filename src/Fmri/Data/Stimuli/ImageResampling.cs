using System.Runtime.InteropServices;
using SkiaSharp;

namespace Fmri.Data.Stimuli;

/// <summary>
/// Resampling of uint8 images (Height, Width, Channels) with SkiaSharp: bilinear filtering with linear
/// mipmaps, so large reductions average over the source pixels instead of aliasing.
/// </summary>
public static class ImageResampling
{
    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    /// <summary>ITU-R BT.601 luma of an RGB pixel.</summary>
    public static byte Luma(byte r, byte g, byte b) => (byte)Math.Clamp(Math.Round(0.299 * r + 0.587 * g + 0.114 * b), 0, 255);

    /// <summary>
    /// Centres the image on a zero canvas of <paramref name="targetHeight"/> x <paramref name="targetWidth"/>,
    /// first shrinking it (aspect ratio kept) when it does not fit.
    /// </summary>
    public static byte[] FitAndPad(ReadOnlySpan<byte> image, int height, int width, int channels, int targetHeight, int targetWidth)
    {
        byte[] source = image.ToArray();
        int h = height, w = width;
        if (h > targetHeight || w > targetWidth)
        {
            double scale = Math.Min((double)targetHeight / h, (double)targetWidth / w);
            int newHeight = Math.Clamp((int)Math.Round(h * scale), 1, targetHeight);
            int newWidth = Math.Clamp((int)Math.Round(w * scale), 1, targetWidth);
            source = Resize(source, h, w, channels, newHeight, newWidth);
            h = newHeight;
            w = newWidth;
        }
        var canvas = new byte[targetHeight * targetWidth * channels];
        int top = (targetHeight - h) / 2, left = (targetWidth - w) / 2;
        for (int y = 0; y < h; y++)
            source.AsSpan(y * w * channels, w * channels).CopyTo(canvas.AsSpan(((top + y) * targetWidth + left) * channels));
        return canvas;
    }

    /// <summary>Resizes an image (Height, Width, Channels) with 1 or 3 channels to the given size.</summary>
    public static byte[] Resize(byte[] image, int height, int width, int channels, int newHeight, int newWidth)
    {
        using var bitmap = ToBitmap(image, height, width, channels);
        using var resized = Resize(bitmap, newHeight, newWidth);
        return FromBitmap(resized, channels);
    }

    /// <summary>Resizes a bitmap; the caller owns the result.</summary>
    public static SKBitmap Resize(SKBitmap bitmap, int newHeight, int newWidth)
    {
        var info = new SKImageInfo(newWidth, newHeight, bitmap.ColorType, bitmap.AlphaType);
        return bitmap.Resize(info, Sampling)
            ?? throw new InvalidOperationException($"SkiaSharp could not resize a {bitmap.Width}x{bitmap.Height} {bitmap.ColorType} bitmap to {newWidth}x{newHeight}");
    }

    /// <summary>A Gray8 (1 channel) or opaque Rgba8888 (3 channels, or 4: RGBA whose alpha is ignored) bitmap holding the image.</summary>
    public static SKBitmap ToBitmap(byte[] image, int height, int width, int channels)
    {
        var info = channels == 1
            ? new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque)
            : new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var bitmap = new SKBitmap(info);
        int bytesPerPixel = channels == 1 ? 1 : 4;
        var row = new byte[width * bytesPerPixel];
        IntPtr basePtr = bitmap.GetPixels();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int s = (y * width + x) * channels;
                if (channels == 1) row[x] = image[s];
                else
                {
                    row[4 * x] = image[s];
                    row[4 * x + 1] = image[s + 1];
                    row[4 * x + 2] = image[s + 2];
                    row[4 * x + 3] = 255;
                }
            }
            Marshal.Copy(row, 0, basePtr + y * bitmap.RowBytes, row.Length);
        }
        return bitmap;
    }

    /// <summary>The pixels of a Gray8 or Rgba8888 bitmap as (Height, Width, channels) with 1 or 3 channels.</summary>
    public static byte[] FromBitmap(SKBitmap bitmap, int channels)
    {
        int width = bitmap.Width, height = bitmap.Height;
        int bytesPerPixel = bitmap.ColorType == SKColorType.Gray8 ? 1 : 4;
        if (bitmap.ColorType is not (SKColorType.Gray8 or SKColorType.Rgba8888))
            throw new InvalidOperationException($"expected a Gray8 or Rgba8888 bitmap, got {bitmap.ColorType}");
        var result = new byte[height * width * channels];
        var row = new byte[width * bytesPerPixel];
        IntPtr basePtr = bitmap.GetPixels();
        for (int y = 0; y < height; y++)
        {
            Marshal.Copy(basePtr + y * bitmap.RowBytes, row, 0, row.Length);
            for (int x = 0; x < width; x++)
            {
                int d = (y * width + x) * channels;
                if (bytesPerPixel == 1)
                {
                    for (int c = 0; c < channels; c++) result[d + c] = row[x];
                }
                else if (channels == 3)
                {
                    result[d] = row[4 * x];
                    result[d + 1] = row[4 * x + 1];
                    result[d + 2] = row[4 * x + 2];
                }
                else
                {
                    result[d] = Luma(row[4 * x], row[4 * x + 1], row[4 * x + 2]);
                }
            }
        }
        return result;
    }
}
