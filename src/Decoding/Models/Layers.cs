using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Models;

/// <summary>
/// Layer factories shared by the networks in this namespace. GroupNorm goes through the project's
/// <see cref="Fmri.Core.Torch.Norms"/> (TorchSharp 0.107.0 leaves nn.GroupNorm uninitialised) and is then moved to
/// the requested device, so a whole network can be built on the <c>meta</c> device without allocating weights.
/// </summary>
internal static class Layers
{
    public static GroupNorm GroupNorm(long groups, long channels, double eps, Device? device)
    {
        var norm = Fmri.Core.Torch.Norms.GroupNorm(groups, channels, eps);
        if (device is not null) norm.to(device);
        return norm;
    }
}
