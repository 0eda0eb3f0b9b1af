using TorchSharp.Modules;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Models.Vae;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// The KL autoencoder's encoder (diffusers <c>Encoder</c>): conv_in, one DownEncoderBlock2D per level (all but
/// the last halve the resolution), a mid block with self-attention, then GroupNorm, SiLU and conv_out to
/// 2 x latent_channels (mean and log-variance of the posterior).
/// </summary>
public sealed class Encoder : nn.Module
{
    private const double Eps = 1e-6;
    private readonly Conv2d conv_in;
    private readonly ModuleList<DownEncoderBlock2D> down_blocks;
    private readonly UNetMidBlock2D mid_block;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;

    public Encoder(AutoencoderKLConfig config, Device? device = null) : base(nameof(Encoder))
    {
        var widths = config.BlockOutChannels;
        conv_in = nn.Conv2d(config.InChannels, widths[0], 3, padding: 1, device: device);
        down_blocks = nn.ModuleList(Enumerable.Range(0, widths.Length)
            .Select(i => new DownEncoderBlock2D(i == 0 ? widths[0] : widths[i - 1], widths[i], config.LayersPerBlock,
                addDownsample: i < widths.Length - 1, config.NormNumGroups, Eps, device)).ToArray());
        mid_block = new UNetMidBlock2D(widths[^1], config.NormNumGroups, Eps, device);
        conv_norm_out = Layers.GroupNorm(config.NormNumGroups, widths[^1], Eps, device);
        conv_out = nn.Conv2d(widths[^1], 2 * config.LatentChannels, 3, padding: 1, device: device);
        RegisterComponents();
    }

    /// <param name="x">(B, in_channels, H, W)</param>
    /// <returns>(B, 2*latent_channels, H/f, W/f), f = 2^(levels-1)</returns>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = OneDnnChannelPadding.Conv2d(conv_in, x);
        foreach (var block in down_blocks) h = block.Forward(h);
        h = mid_block.Forward(h);
        h = OneDnnChannelPadding.Conv2d(conv_out, nn.functional.silu(conv_norm_out.forward(h)));
        return h.MoveToOuterDisposeScope();
    }
}
