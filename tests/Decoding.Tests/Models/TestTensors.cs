using static TorchSharp.torch;

namespace Decoding.Tests.Models;

/// <summary>Seeded inputs for the network tests.</summary>
internal static class TestTensors
{
    public static Tensor Normal(Generator generator, params long[] shape) => randn(shape, generator: generator);

    /// <summary>
    /// Random smooth images in (-1, 1): a coarse 4x4 normal field per channel, upsampled bilinearly to
    /// (size x size) and squashed by tanh. Smooth images are what an autoencoder can learn quickly.
    /// </summary>
    public static Tensor SmoothImages(Generator generator, long count, long channels, long size)
    {
        using var coarse = randn([count, channels, 4, 4], generator: generator);
        using var fine = nn.functional.interpolate(coarse, size: [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        return fine.tanh();
    }

    public static float MaxAbsDifference(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().max();
        return d.item<float>();
    }

    public static bool AllFinite(Tensor x)
    {
        using var finite = x.isfinite().all();
        return finite.item<bool>();
    }
}
