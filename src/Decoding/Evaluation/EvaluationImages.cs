using Decoding.Metrics;
using Fmri.Data.Stimuli;
using Fmri.Core.Torch;

namespace Decoding.Evaluation;

/// <summary>uint8 HWC pixels (stimulus sets, decoded.h5) as the metrics' <see cref="ImageTensor"/>s in [0, 1].</summary>
public static class EvaluationImages
{
    /// <summary>One image from its <paramref name="pixels"/> (<paramref name="height"/> x <paramref name="width"/> x
    /// <paramref name="channels"/> bytes, row-major HWC), converted to <paramref name="targetChannels"/> (RGB -> BT.601 luma for 1; grey replicated for 3).</summary>
    public static ImageTensor FromBytes(ReadOnlySpan<byte> pixels, int height, int width, int channels, int targetChannels)
    {
        int plane = height * width;
        if (pixels.Length != plane * channels)
            throw new ArgumentException($"image bytes: {pixels.Length} values for {height}x{width}x{channels}");
        var values = new float[plane * targetChannels];
        for (int p = 0; p < plane; p++)
        {
            if (channels == targetChannels)
            {
                for (int c = 0; c < channels; c++) values[p * channels + c] = pixels[p * channels + c] / 255f;
            }
            else if (channels == 3)
            {
                double luma = ImageTensor.LumaRed * pixels[3 * p] + ImageTensor.LumaGreen * pixels[3 * p + 1] + ImageTensor.LumaBlue * pixels[3 * p + 2];
                values[p] = (float)Math.Clamp(luma / 255.0, 0, 1);
            }
            else
            {
                for (int c = 0; c < 3; c++) values[p * 3 + c] = pixels[p] / 255f;
            }
        }
        return new ImageTensor(height, width, targetChannels, values);
    }

    /// <summary>Every image of <paramref name="set"/>, with <paramref name="targetChannels"/> channels.</summary>
    public static IReadOnlyList<ImageTensor> FromSet(StimulusImageSet set, int targetChannels)
    {
        var images = new ImageTensor[set.Count];
        for (int i = 0; i < set.Count; i++) images[i] = FromBytes(set.Image(i), set.Height, set.Width, set.Channels, targetChannels);
        return images;
    }

    /// <summary>uint8 (N, C, S, S) stimulus images (<see cref="Fmri.Data.StimulusPairs.Images"/>) as HWC images in [0, 1].</summary>
    public static IReadOnlyList<ImageTensor> FromStimulusTensor(TorchSharp.torch.Tensor images)
    {
        using var hwc = images.permute(0, 2, 3, 1).contiguous();   // (N, S, S, C)
        var bytes = TorchDevice.HostArray<byte>(hwc);
        int n = (int)hwc.shape[0], h = (int)hwc.shape[1], w = (int)hwc.shape[2], c = (int)hwc.shape[3];
        int length = h * w * c;
        return Enumerable.Range(0, n).Select(i => FromBytes(bytes.AsSpan(i * length, length), h, w, c, c)).ToArray();
    }
}
