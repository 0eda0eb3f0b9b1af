using TorchSharp.Modules;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Models.Vae;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// The KL autoencoder's decoder (diffusers <c>Decoder</c>), the encoder's mirror: conv_in from the latent, a
/// mid block with self-attention, one UpDecoderBlock2D per level from low to high resolution (layers_per_block
/// + 1 resnets each; all but the last double the resolution), then GroupNorm, SiLU and conv_out to the image.
/// </summary>
public sealed class Decoder : nn.Module
{
    private const double Eps = 1e-6;
    private readonly Conv2d conv_in;
    private readonly UNetMidBlock2D mid_block;
    private readonly ModuleList<UpDecoderBlock2D> up_blocks;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;

    public Decoder(AutoencoderKLConfig config, Device? device = null) : base(nameof(Decoder))
    {
        var reversed = config.BlockOutChannels.Reverse().ToArray();
        conv_in = nn.Conv2d(config.LatentChannels, reversed[0], 3, padding: 1, device: device);
        mid_block = new UNetMidBlock2D(reversed[0], config.NormNumGroups, Eps, device);
        up_blocks = nn.ModuleList(Enumerable.Range(0, reversed.Length)
            .Select(i => new UpDecoderBlock2D(i == 0 ? reversed[0] : reversed[i - 1], reversed[i], config.LayersPerBlock + 1,
                addUpsample: i < reversed.Length - 1, config.NormNumGroups, Eps, device)).ToArray());
        conv_norm_out = Layers.GroupNorm(config.NormNumGroups, reversed[^1], Eps, device);
        conv_out = nn.Conv2d(reversed[^1], config.OutChannels, 3, padding: 1, device: device);
        RegisterComponents();
    }

    /// <param name="z">(B, latent_channels, h, w)</param>
    /// <returns>(B, out_channels, h*f, w*f), f = 2^(levels-1)</returns>
    public Tensor Forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var h = OneDnnChannelPadding.Conv2d(conv_in, z);
        h = mid_block.Forward(h);
        foreach (var block in up_blocks) h = block.Forward(h);
        h = OneDnnChannelPadding.Conv2d(conv_out, nn.functional.silu(conv_norm_out.forward(h)));
        return h.MoveToOuterDisposeScope();
    }
}
