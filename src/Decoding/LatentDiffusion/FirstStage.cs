using static TorchSharp.torch;

namespace Decoding.LatentDiffusion;

/// <summary>
/// The "first stage" of latent diffusion (Rombach et al. 2022, Sec. 3): the model that maps images in [−1, 1] to the
/// latent space the UNet denoises and back. The diffusion model works on z·scale; <see cref="Decode"/> takes the
/// unscaled z. Implementations: <see cref="AutoencoderFirstStage"/> (a KL autoencoder, as in Stable Diffusion) and
/// <see cref="IdentityFirstStage"/> (pixel-space diffusion, LDM's <c>IdentityFirstStage</c>).
/// </summary>
public abstract class FirstStage
{
    /// <summary>Image channels the first stage takes and returns.</summary>
    public abstract int ImageChannels { get; }

    /// <summary>Channels of the latent z.</summary>
    public abstract int LatentChannels { get; }

    /// <summary>How many times smaller the latent is than the image per side.</summary>
    public abstract int DownsamplingFactor { get; }

    /// <summary>The factor z is multiplied by before diffusion (1/std of the training latents; 0.18215 for SD 1.x).</summary>
    public abstract double ScalingFactor { get; }

    /// <summary>Short name stored in model configs: "AutoencoderKL" or "identity".</summary>
    public abstract string Kind { get; }

    /// <summary>The posterior q(z | x) as mean and standard deviation (unscaled), each (B, LatentChannels, h, w). No gradients.</summary>
    public abstract LatentPosterior Encode(Tensor images);

    /// <summary>Unscaled latents (B, LatentChannels, h, w) → images (B, ImageChannels, H, W) in roughly [−1, 1]. No gradients.</summary>
    public abstract Tensor Decode(Tensor latents);

    /// <summary>As <see cref="Decode"/>, but recorded by autograd so that gradients reach the latents (the first stage's
    /// own weights stay frozen): for decoders that optimise a latent through the decoder.</summary>
    public abstract Tensor DecodeWithGradient(Tensor latents);

    /// <summary>Side of the latent of an image of side <paramref name="imageSize"/>.</summary>
    public int LatentSize(int imageSize)
    {
        if (imageSize % DownsamplingFactor != 0)
            throw new ArgumentException($"first stage: image size {imageSize} is not divisible by the downsampling factor {DownsamplingFactor}");
        return imageSize / DownsamplingFactor;
    }
}

/// <summary>A diagonal Gaussian posterior over latents, both tensors (B, C, h, w); z = Mean + Std · ε.</summary>
public sealed record LatentPosterior(Tensor Mean, Tensor Std);
