using Decoding.Models.Vae;
using static TorchSharp.torch;

namespace Decoding.LatentDiffusion;

/// <summary>A frozen KL autoencoder as the first stage (Stable Diffusion's <c>vae</c>), in evaluation mode.</summary>
public sealed class AutoencoderFirstStage : FirstStage
{
    public AutoencoderFirstStage(AutoencoderKL vae)
    {
        Vae = vae ?? throw new ArgumentNullException(nameof(vae));
        Vae.eval();
        foreach (var p in Vae.parameters()) p.requires_grad = false;
    }

    public AutoencoderKL Vae { get; }

    public override int ImageChannels => Vae.Config.InChannels;
    public override int LatentChannels => Vae.LatentChannels;
    public override int DownsamplingFactor => Vae.DownsamplingFactor;
    public override double ScalingFactor => Vae.ScalingFactor;
    public override string Kind => nameof(AutoencoderKL);

    public override LatentPosterior Encode(Tensor images)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var posterior = Vae.Encode(images);
        return new LatentPosterior(posterior.Mean.MoveToOuterDisposeScope(), posterior.Std.MoveToOuterDisposeScope());
    }

    public override Tensor Decode(Tensor latents)
    {
        using var noGrad = no_grad();
        return Vae.Decode(latents);
    }

    public override Tensor DecodeWithGradient(Tensor latents) => Vae.Decode(latents);
}
