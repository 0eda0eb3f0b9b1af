using TorchSharp.Modules;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Models.Vae;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// The KL-regularised autoencoder of latent diffusion (Rombach et al. 2022, Sec. 3.1; diffusers
/// <c>AutoencoderKL</c>): images in [-1, 1] are encoded to a diagonal Gaussian posterior over a latent that
/// is 2^(levels-1) times smaller per side; latents are decoded back to images.
/// <code>
///   q(z|x) = N(μ, σ²),  [μ, log σ²] = quant_conv(encoder(x))
///   x̂ = decoder(post_quant_conv(z))
/// </code>
/// The diffusion model works on z * <see cref="ScalingFactor"/>; divide by it again before <see cref="Decode"/>.
/// </summary>
public sealed class AutoencoderKL : nn.Module
{
    private readonly Encoder encoder;
    private readonly Conv2d quant_conv;
    private readonly Conv2d post_quant_conv;
    private readonly Decoder decoder;

    /// <param name="config">Validated here; an invalid config throws <see cref="ArgumentException"/> naming the field.</param>
    /// <param name="device">Device for the parameters (null: the default device; <c>meta</c>: shapes only).</param>
    public AutoencoderKL(AutoencoderKLConfig config, Device? device = null) : base(nameof(AutoencoderKL))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        long moments = 2L * config.LatentChannels;
        encoder = new Encoder(config, device);
        quant_conv = nn.Conv2d(moments, moments, 1, device: device);
        post_quant_conv = nn.Conv2d(config.LatentChannels, config.LatentChannels, 1, device: device);
        decoder = new Decoder(config, device);
        RegisterComponents();
    }

    /// <summary>The validated configuration.</summary>
    public AutoencoderKLConfig Config { get; }

    /// <summary>Multiply latents by this before diffusion (0.18215 for SD 1.x).</summary>
    public double ScalingFactor => Config.ScalingFactor;

    /// <summary>Channels of the latent z.</summary>
    public int LatentChannels => Config.LatentChannels;

    /// <summary>How many times smaller the latent is per side (8 for SD 1.x).</summary>
    public int DownsamplingFactor => Config.DownsamplingFactor;

    /// <summary>Encodes images to the posterior q(z|x).</summary>
    /// <param name="images">(B, in_channels, H, W) in [-1, 1]; H and W divisible by <see cref="DownsamplingFactor"/>.</param>
    /// <returns>The posterior over (B, latent_channels, H/f, W/f).</returns>
    public DiagonalGaussianDistribution Encode(Tensor images)
    {
        int f = DownsamplingFactor;
        if (images.ndim != 4 || images.shape[1] != Config.InChannels || images.shape[2] % f != 0 || images.shape[3] % f != 0)
            throw new ArgumentException(
                $"AutoencoderKL.Encode: images must be (B, {Config.InChannels}, H, W) with H, W divisible by {f}, got [{string.Join(", ", images.shape)}]",
                nameof(images));
        Tensor moments;
        using (var scope = NewDisposeScope())
        {
            moments = OneDnnChannelPadding.Conv2d(quant_conv, encoder.Forward(images)).MoveToOuterDisposeScope(); // (B, 2*latent, h, w)
        }
        using (moments)
        {
            return new DiagonalGaussianDistribution(moments);
        }
    }

    /// <summary>Decodes latents (unscaled: divide diffusion latents by <see cref="ScalingFactor"/> first).</summary>
    /// <param name="latents">(B, latent_channels, h, w)</param>
    /// <returns>(B, out_channels, h*f, w*f), roughly in [-1, 1].</returns>
    public Tensor Decode(Tensor latents)
    {
        if (latents.ndim != 4 || latents.shape[1] != Config.LatentChannels)
            throw new ArgumentException(
                $"AutoencoderKL.Decode: latents must be (B, {Config.LatentChannels}, h, w), got [{string.Join(", ", latents.shape)}]", nameof(latents));
        using var scope = NewDisposeScope();
        return decoder.Forward(OneDnnChannelPadding.Conv2d(post_quant_conv, latents)).MoveToOuterDisposeScope();
    }
}
