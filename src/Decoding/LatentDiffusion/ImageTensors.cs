using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.LatentDiffusion;

/// <summary>
/// Conversions between stored images and the tensors the autoencoder and UNet see, as in Stable Diffusion:
/// <code>
///   uint8 (N, H, W, C) in 0..255  →  float32 (N, C, S, S) in [−1, 1]     x = p / 127.5 − 1
///   float32 (N, C, S, S) in [−1, 1] →  [0, 1]                            u = clamp((x + 1) / 2, 0, 1)
///   [0, 1]  →  uint8 (N, H, W, C)                                         p = round(255 u)
/// </code>
/// An image smaller than S x S is centred on a black (zero) canvas without resampling: Fashion-MNIST's 28 x 28
/// becomes 32 x 32 with 2 pixels on each side. Greyscale becomes RGB by repeating the channel; RGB becomes
/// greyscale by ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B).
/// </summary>
public static class ImageTensors
{
    /// <summary>The images as uint8 (N, channels, size, size) on the CPU, centred and zero-padded.</summary>
    /// <exception cref="ArgumentException">An image is larger than <paramref name="size"/> (resize it when loading).</exception>
    public static Tensor ToPaddedBytes(LabelledImages images, int size, int channels)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (channels is not (1 or 3)) throw new ArgumentException($"image tensors: channels = {channels}; use 1 or 3");
        if (images.Height > size || images.Width > size)
            throw new ArgumentException(
                $"image tensors: images are {images.Height}x{images.Width}, larger than the model's {size}x{size}; resize them when loading");
        int top = (size - images.Height) / 2, left = (size - images.Width) / 2;
        int h = images.Height, w = images.Width, c = images.Channels;
        long plane = (long)size * size;
        var result = new byte[images.Count * channels * plane];
        var source = images.Pixels;
        for (int n = 0; n < images.Count; n++)
        {
            long imageStart = (long)n * h * w * c;
            long outStart = n * channels * plane;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    long p = imageStart + ((long)y * w + x) * c;
                    long o = (long)(top + y) * size + left + x;
                    if (c == channels)
                    {
                        for (int k = 0; k < c; k++) result[outStart + k * plane + o] = source[p + k];
                    }
                    else if (c == 1)
                    {
                        for (int k = 0; k < channels; k++) result[outStart + k * plane + o] = source[p];
                    }
                    else
                    {
                        double luma = 0.299 * source[p] + 0.587 * source[p + 1] + 0.114 * source[p + 2];
                        result[outStart + o] = (byte)Math.Clamp((int)Math.Round(luma), 0, 255);
                    }
                }
        }
        return tensor(result, new long[] { images.Count, channels, size, size }, ScalarType.Byte); // (N, C, S, S)
    }

    /// <summary>uint8 images (B, C, H, W) → float32 in [−1, 1] on <paramref name="device"/>.</summary>
    public static Tensor ToModelRange(Tensor bytes, Device? device = null)
    {
        if (bytes.dtype != ScalarType.Byte) throw new ArgumentException($"image tensors: expected uint8 pixels, got {bytes.dtype}");
        using var scope = NewDisposeScope();
        var x = bytes.to(ScalarType.Float32, device ?? bytes.device).DividedBy(127.5).Minus(1.0);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Images in [−1, 1] → [0, 1], clamped (decoder outputs overshoot a little).</summary>
    public static Tensor ToUnitRange(Tensor images)
    {
        using var scope = NewDisposeScope();
        return images.Plus(1.0).DividedBy(2.0).Clamped(0.0, 1.0).MoveToOuterDisposeScope();
    }

    /// <summary>Images in [0, 1] (N, C, H, W) → uint8 (N, H, W, C) row-major, rounded to nearest.</summary>
    public static byte[] ToBytes(Tensor unitImages)
    {
        if (unitImages.dim() != 4) throw new ArgumentException($"image tensors: expected (N, C, H, W), got ({string.Join(", ", unitImages.shape)})");
        using var scope = NewDisposeScope();
        var hwc = unitImages.Clamped(0.0, 1.0).Times(255.0).round().to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous().to(TorchDevice.Host); // (N, H, W, C)
        return TorchDevice.HostArray<byte>(hwc);
    }

    /// <summary>One image in [0, 1] (C, H, W) → float pixels (H, W, C) row-major, as PngImage and ImageGrid take them.</summary>
    public static (float[] Pixels, int Height, int Width, int Channels) ToHwcPixels(Tensor unitImage)
    {
        if (unitImage.dim() != 3) throw new ArgumentException($"image tensors: expected (C, H, W), got ({string.Join(", ", unitImage.shape)})");
        using var scope = NewDisposeScope();
        var hwc = unitImage.Clamped(0.0, 1.0).to(ScalarType.Float32).permute(1, 2, 0).contiguous().to(TorchDevice.Host); // (H, W, C)
        return (TorchDevice.HostArray<float>(hwc), (int)unitImage.shape[1], (int)unitImage.shape[2], (int)unitImage.shape[0]);
    }
}
