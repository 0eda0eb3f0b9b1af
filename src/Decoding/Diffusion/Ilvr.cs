using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Diffusion;

/// <summary>
/// Iterative latent variable refinement (ILVR; Choi et al., ICCV 2021): conditions an unconditional or
/// label-conditioned sampler on a reference by replacing, after every denoising step, the low frequencies of the
/// current sample with those of the reference noised to the same timestep:
/// <code>
///   x_{t'} ← x_{t'} − LP(x_{t'}) + LP(y_{t'}),   y_{t'} = √ᾱ_{t'} y + √(1 − ᾱ_{t'}) ε   (y_0 = y)
/// </code>
/// where t' is the timestep the step reached and LP is a low-pass filter (the paper: downsample by N and upsample;
/// here the mean over N × N blocks, a projection, so LP(LP(x)) = LP(x)). The model supplies the detail, the reference
/// the layout. In the img2img route the reference is the low-level latent decoded from fMRI, and ε is the noise the
/// img2img start was made with.
/// </summary>
public static class Ilvr
{
    /// <summary>Each <paramref name="block"/> × <paramref name="block"/> patch of latents (B, c, h, w) replaced by its mean.</summary>
    public static Tensor LowPass(Tensor latents, int block)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (block < 1 || latents.shape[^1] % block != 0 || latents.shape[^2] % block != 0)
            throw new InvalidSettingException("ilvr_block", block, $"must divide the latent's height and width ({latents.shape[^2]} x {latents.shape[^1]})");
        using var means = nn.functional.avg_pool2d(latents, block, block);
        return means.repeat_interleave(block, 2).repeat_interleave(block, 3);
    }

    /// <summary>
    /// The step callback for <see cref="DenoisingLoop"/>: after step i it refines the latents toward
    /// <paramref name="reference"/> noised with <paramref name="noise"/> to Timesteps[i + 1] (after the last step: the
    /// clean reference). <paramref name="scheduler"/> must list the loop's timesteps (SetTimesteps with the loop's step
    /// count) and take one step per listed timestep, as DDIM and DDPM do (PLMS repeats a timestep in its warm-up).
    /// </summary>
    public static DenoisingStepCallback Refinement(DiffusionScheduler scheduler, Tensor reference, Tensor noise, int block)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(noise);
        if (scheduler is PlmsScheduler)
            throw new InvalidSettingException("ilvr_block", block, "needs a sampler that takes one step per timestep (ddim or ddpm); PLMS repeats one in its warm-up");
        if (scheduler.NumInferenceSteps is null) throw new InvalidOperationException("ILVR: call SetTimesteps first");
        var timesteps = scheduler.Timesteps.ToArray();
        return (index, _, latents) =>
        {
            using var scope = NewDisposeScope();
            Tensor target = reference;
            if (index + 1 < timesteps.Length)
            {
                var t = ScalarArithmetic.Full(new long[] { reference.shape[0] }, timesteps[index + 1], ScalarType.Int64, reference.device);
                target = scheduler.AddNoise(reference, noise, t);
            }
            latents.sub_(LowPass(latents, block)).PlusInPlace(LowPass(target, block));
        };
    }
}
