using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Diffusion;

/// <summary>
/// DDIM inversion: the deterministic DDIM sampler (η = 0) run backwards, from a clean latent up to a noisy one
/// (Song, Meng &amp; Ermon 2021, section 4.3: DDIM's update is an Euler step of an ODE, so it can be integrated in
/// either direction; Dhariwal &amp; Nichol 2021 and Mokady et al. 2023, "Null-text inversion", use it to edit real
/// images; diffusers' <c>DDIMInverseScheduler</c>). Each inverse step undoes one <see cref="DdimScheduler"/> step
/// t → t − T div n, with the model's ε evaluated at the current, less noisy sample:
/// <code>
///   for t in reversed(Timesteps[b..]):             lowest timestep first
///       ᾱ_s = ᾱ(t − T div n)  (before timestep 0: the scheduler's final ᾱ)      the level the sample is at
///       ε   = ε_θ(x_s, t)
///       x̂_0 = (x_s − √(1 − ᾱ_s) ε) / √ᾱ_s
///       x_t = √ᾱ_t x̂_0 + √(1 − ᾱ_t) ε
/// </code>
/// The result sits at Timesteps[b]; denoising it with DDIM through Timesteps[b..] under the same conditioning gives the
/// clean latent back up to the error of evaluating ε one step off. Unlike the forward process (img2img's
/// <see cref="Img2Img.NoisedStart"/>), no random noise enters: what changes in a guided denoise from the inverted latent
/// is the guidance's doing, and the start's layout stays.
/// </summary>
public static class DdimInversion
{
    /// <summary>
    /// The latent at Timesteps[<paramref name="beginIndex"/>] whose DDIM denoising gives <paramref name="cleanLatents"/>
    /// (B, c, h, w). <paramref name="denoiser"/> maps (x, t) to the model output of the scheduler's prediction type
    /// (for conditioned models: the conditioning the latent is inverted under, without guidance). Runs under no_grad.
    /// </summary>
    public static Tensor Invert(DdimScheduler scheduler, Func<Tensor, long, Tensor> denoiser, Tensor cleanLatents, int numInferenceSteps, int beginIndex)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(cleanLatents);
        scheduler.SetTimesteps(numInferenceSteps);
        var timesteps = scheduler.Timesteps.ToArray();
        if (beginIndex < 0 || beginIndex >= timesteps.Length)
            throw new ArgumentOutOfRangeException(nameof(beginIndex), $"DDIM inversion: begin index {beginIndex} is outside 0..{timesteps.Length - 1}");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var latents = cleanLatents.alias();
        for (int i = timesteps.Length - 1; i >= beginIndex; i--)
        {
            Tensor next;
            using (var stepScope = NewDisposeScope())
            {
                var output = denoiser(latents, timesteps[i]);
                next = InverseStep(scheduler, output, timesteps[i], latents).MoveToOuterDisposeScope();
            }
            latents.Dispose();
            latents = next;
        }
        return latents.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One inverse step: the sample at the level DDIM's step from <paramref name="timestep"/> lands on
    /// (ᾱ(t − T div n), or the final ᾱ before timestep 0) taken up to <paramref name="timestep"/>, with the model output at
    /// (<paramref name="sample"/>, t). The exact inverse of <see cref="DdimScheduler.Step(Tensor, long, Tensor, double, Generator?, bool)"/>
    /// at η = 0 whenever the model output is the same at both ends (no clipping of x̂_0).
    /// </summary>
    public static Tensor InverseStep(DdimScheduler scheduler, Tensor modelOutput, long timestep, Tensor sample)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(modelOutput);
        ArgumentNullException.ThrowIfNull(sample);
        int steps = scheduler.NumInferenceSteps ?? throw new InvalidOperationException("DDIM inversion: call SetTimesteps first");
        if (timestep < 0 || timestep >= scheduler.Config.NumTrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(timestep), $"DDIM inversion: timestep {timestep} is outside [0, {scheduler.Config.NumTrainTimesteps})");
        long from = timestep - scheduler.Config.NumTrainTimesteps / steps;
        float alphaFrom = from >= 0 ? scheduler.Schedule.AlphaBar(from) : scheduler.FinalAlphaCumprod;   // ᾱ_s
        float alphaTo = scheduler.Schedule.AlphaBar(timestep);                                               // ᾱ_t
        using var scope = NewDisposeScope();
        // ε from the model output, read as if the sample were at the level it is at (ᾱ_s).
        var epsilon = ForwardProcess.ToEpsilon(scheduler.Config.PredictionType, modelOutput, sample, tensor(alphaFrom));
        var original = sample.sub(epsilon.Times(MathF.Sqrt(1f - alphaFrom))).DividedBy(MathF.Sqrt(alphaFrom));          // x̂_0
        return original.Times(MathF.Sqrt(alphaTo)).Plus(epsilon.Times(MathF.Sqrt(1f - alphaTo))).MoveToOuterDisposeScope();
    }
}
