using Decoding.Metrics;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Decode.Routes;

/// <summary>Conversions the routes share: uint8 stimulus tensors to images, images to the (N, K, C, S, S) result.</summary>
internal static class RouteImages
{
    /// <summary>uint8 (N, C, S, S) -> HWC images in [0, 1].</summary>
    public static IReadOnlyList<ImageTensor> ToImageTensors(Tensor images)
    {
        using var hwc = images.permute(0, 2, 3, 1).contiguous();   // (N, S, S, C)
        var bytes = TorchDevice.HostArray<byte>(hwc);
        int n = (int)hwc.shape[0], h = (int)hwc.shape[1], w = (int)hwc.shape[2], c = (int)hwc.shape[3];
        int length = h * w * c;
        return Enumerable.Range(0, n)
            .Select(i => new ImageTensor(h, w, c, bytes.AsSpan(i * length, length).ToArray().Select(b => b / 255f).ToArray()))
            .ToArray();
    }

    /// <summary>HWC images in [0, 1], one per item -> (N, K, C, S, S) with the image repeated K times.</summary>
    public static Tensor Stack(IReadOnlyList<ImageTensor> images, int samples)
    {
        int n = images.Count, h = images[0].Height, w = images[0].Width, c = images[0].Channels;
        var data = new float[(long)n * h * w * c];
        for (int i = 0; i < n; i++) images[i].Pixels.CopyTo(data, (long)i * h * w * c);
        using var hwc = tensor(data, new long[] { n, h, w, c });                                   // (N, S, S, C)
        using var chw = hwc.permute(0, 3, 1, 2);                                                   // (N, C, S, S)
        return chw.unsqueeze(1).expand(n, samples, c, h, w).contiguous();                          // (N, K, C, S, S)
    }

    /// <summary>A seed for one named draw of a route, derived from the run's seed.</summary>
    public static int SubSeed(long seed, string purpose)
    {
        unchecked
        {
            long h = seed * 1_000_003;
            foreach (char ch in purpose) h = h * 31 + ch;
            return (int)(h ^ (h >> 32));
        }
    }
}
