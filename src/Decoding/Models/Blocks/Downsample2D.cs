using TorchSharp.Modules;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Models.Blocks;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// Halves the resolution with a 3x3 convolution of stride 2 (diffusers <c>Downsample2D</c>, key <c>conv</c>).
/// The UNet pads by 1 on every side; the autoencoder pads (0, 1, 0, 1), i.e. only right and bottom, as in
/// the original LDM first-stage model.
/// </summary>
public sealed class Downsample2D : nn.Module
{
    private readonly Conv2d conv;
    private readonly bool asymmetricPadding;

    /// <param name="channels">Input and output width.</param>
    /// <param name="padding">1 (UNet: symmetric padding) or 0 (autoencoder: pad right and bottom by 1).</param>
    /// <param name="device">Device for the parameters.</param>
    public Downsample2D(long channels, int padding, Device? device = null) : base(nameof(Downsample2D))
    {
        if (padding is not (0 or 1))
            throw new ArgumentException($"Downsample2D: padding must be 0 or 1, got {padding}", nameof(padding));
        asymmetricPadding = padding == 0;
        conv = nn.Conv2d(channels, channels, 3, stride: 2, padding: padding, device: device);
        RegisterComponents();
    }

    /// <param name="x">(B, C, H, W)</param>
    /// <returns>(B, C, ceil(H/2), ceil(W/2)) for the UNet padding; (B, C, floor(H/2), floor(W/2)) for the autoencoder's.</returns>
    public Tensor Forward(Tensor x)
    {
        if (!asymmetricPadding) return OneDnnChannelPadding.Conv2d(conv, x);
        using var padded = nn.functional.pad(x, (0L, 1L, 0L, 1L));
        return OneDnnChannelPadding.Conv2d(conv, padded);
    }
}
