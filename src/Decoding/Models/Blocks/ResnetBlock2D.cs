using TorchSharp.Modules;
using Fmri.Core.Torch;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Decoding.Models.Blocks;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// The residual block of the DDPM / latent-diffusion UNet and autoencoder (diffusers <c>ResnetBlock2D</c>):
/// <code>
///   h = conv1(SiLU(norm1(x)))
///   h = h + time_emb_proj(SiLU(temb))[:, :, None, None]      (UNet only)
///   h = conv2(dropout(SiLU(norm2(h))))
///   out = shortcut(x) + h,   shortcut = 1x1 conv_shortcut when the width changes, else identity
/// </code>
/// </summary>
public sealed class ResnetBlock2D : nn.Module
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly Linear? time_emb_proj;
    private readonly GroupNorm norm2;
    private readonly Dropout dropout;
    private readonly Conv2d conv2;
    private readonly Conv2d? conv_shortcut;

    /// <param name="inChannels">Input width.</param>
    /// <param name="outChannels">Output width.</param>
    /// <param name="timeEmbeddingChannels">Width of the timestep embedding, or null for a block without one (autoencoder).</param>
    /// <param name="groups">GroupNorm groups.</param>
    /// <param name="eps">GroupNorm epsilon.</param>
    /// <param name="dropoutProbability">Dropout before the second convolution.</param>
    /// <param name="device">Device for the parameters (null: the default device; <c>meta</c>: shapes only).</param>
    public ResnetBlock2D(long inChannels, long outChannels, long? timeEmbeddingChannels, long groups, double eps,
        double dropoutProbability = 0.0, Device? device = null) : base(nameof(ResnetBlock2D))
    {
        norm1 = Layers.GroupNorm(groups, inChannels, eps, device);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1, device: device);
        time_emb_proj = timeEmbeddingChannels is long t ? nn.Linear(t, outChannels, device: device) : null;
        norm2 = Layers.GroupNorm(groups, outChannels, eps, device);
        dropout = nn.Dropout(dropoutProbability);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1, device: device);
        conv_shortcut = inChannels != outChannels ? nn.Conv2d(inChannels, outChannels, 1, device: device) : null;
        RegisterComponents();
    }

    /// <param name="x">(B, inChannels, H, W)</param>
    /// <param name="timeEmbedding">(B, timeEmbeddingChannels); required when the block was built with a time embedding.</param>
    /// <returns>(B, outChannels, H, W)</returns>
    public Tensor Forward(Tensor x, Tensor? timeEmbedding = null)
    {
        using var scope = NewDisposeScope();
        var h = OneDnnChannelPadding.Conv2d(conv1, silu(norm1.forward(x)));
        if (time_emb_proj is not null)
        {
            if (timeEmbedding is null)
                throw new ArgumentException("ResnetBlock2D.Forward: timeEmbedding is required (the block has a time_emb_proj)", nameof(timeEmbedding));
            var t = time_emb_proj.forward(silu(timeEmbedding));   // (B, out)
            h = h.Plus(t.unsqueeze(-1).unsqueeze(-1));            // (B, out, 1, 1) broadcast over H, W
        }
        h = OneDnnChannelPadding.Conv2d(conv2, dropout.forward(silu(norm2.forward(h))));
        var skip = conv_shortcut is null ? x : OneDnnChannelPadding.Conv2d(conv_shortcut, x);
        return skip.Plus(h).MoveToOuterDisposeScope();
    }
}
