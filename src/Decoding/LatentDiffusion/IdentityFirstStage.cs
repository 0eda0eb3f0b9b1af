using static TorchSharp.torch;

namespace Decoding.LatentDiffusion;

/// <summary>
/// No first stage: the UNet denoises pixels (LDM's <c>IdentityFirstStage</c>; a DDPM in pixel space). The "posterior"
/// is the image itself with zero spread, and the scaling factor is 1. Used to test the diffusion part alone.
/// </summary>
public sealed class IdentityFirstStage : FirstStage
{
    public const string KindName = "identity";

    public IdentityFirstStage(int channels)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"identity first stage: channels = {channels}; use 1 or 3");
        ImageChannels = channels;
    }

    public override int ImageChannels { get; }
    public override int LatentChannels => ImageChannels;
    public override int DownsamplingFactor => 1;
    public override double ScalingFactor => 1.0;
    public override string Kind => KindName;

    public override LatentPosterior Encode(Tensor images) => new(images.detach().clone(), zeros_like(images));

    public override Tensor Decode(Tensor latents) => latents.detach().clone();

    public override Tensor DecodeWithGradient(Tensor latents) => latents.clone();
}
