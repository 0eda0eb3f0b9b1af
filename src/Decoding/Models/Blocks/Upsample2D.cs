using TorchSharp.Modules;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Models.Blocks;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// Doubles the resolution by nearest-neighbour interpolation, then a 3x3 convolution (diffusers
/// <c>Upsample2D</c>, key <c>conv</c>).
/// </summary>
public sealed class Upsample2D : nn.Module
{
    private readonly Conv2d conv;

    public Upsample2D(long channels, Device? device = null) : base(nameof(Upsample2D))
    {
        conv = nn.Conv2d(channels, channels, 3, padding: 1, device: device);
        RegisterComponents();
    }

    /// <param name="x">(B, C, H, W)</param>
    /// <param name="outputSize">Target (H', W'); null for (2H, 2W). The UNet passes the size of the skip
    /// connection that comes next, so inputs whose size is not a power of two round-trip.</param>
    /// <returns>(B, C, H', W')</returns>
    public Tensor Forward(Tensor x, long[]? outputSize = null)
    {
        using var up = outputSize is null
            ? nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest)
            : nn.functional.interpolate(x, size: outputSize, mode: InterpolationMode.Nearest);
        return OneDnnChannelPadding.Conv2d(conv, up);
    }
}
