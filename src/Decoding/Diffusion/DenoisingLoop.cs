using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Diffusion;

/// <summary>
/// The denoising loop of a diffusers pipeline, written out in the open and driven by any denoiser function
/// (x_t, t) -> model output (ε, x_0 or v, as the scheduler's prediction_type says), so a UNet, a guided UNet
/// (<see cref="ClassifierFreeGuidance"/>) or an analytic test function can run any scheduler:
/// <code>
///   x_T ~ N(0, σ_init² I)                       drawn from an explicit generator
///   for t in scheduler.Timesteps:
///       output = denoiser(scale(x_t), t)
///       x_{t−1} = scheduler.Step(output, t, x_t)
/// </code>
/// Runs under no_grad with one dispose scope per step.
/// </summary>
public static class DenoisingLoop
{
    /// <summary>
    /// Samples from pure noise: x_T = InitNoiseSigma · N(0, I) of <paramref name="latentShape"/> drawn on the CPU from
    /// <paramref name="generator"/> (then moved to <paramref name="device"/>), denoised in
    /// <paramref name="numInferenceSteps"/> steps. The same generator feeds the schedulers' noise (DDPM, DDIM with η &gt; 0).
    /// </summary>
    public static Tensor Sample(
        DiffusionScheduler scheduler,
        Func<Tensor, long, Tensor> denoiser,
        long[] latentShape,
        int numInferenceSteps,
        Generator generator,
        double eta = 0.0,
        DenoisingStepCallback? callback = null,
        Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(latentShape);
        ArgumentNullException.ThrowIfNull(generator);
        if (latentShape.Length == 0 || latentShape.Any(size => size < 1))
            throw new ArgumentException($"DenoisingLoop.Sample: latentShape ({string.Join(", ", latentShape)}) must have positive sizes.", nameof(latentShape));
        using var scope = NewDisposeScope();
        var noise = DiffusionScheduler.RandomNormal(latentShape, generator, device ?? TorchDevice.Current, ScalarType.Float32);
        var initialLatents = noise.Times(scheduler.InitNoiseSigma);   // x_T
        var sample = Denoise(scheduler, denoiser, initialLatents, numInferenceSteps, generator, eta, callback);
        return sample.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Denoises <paramref name="initialLatents"/> (x_T, or for image-to-image x_t at the timestep of grid step
    /// <paramref name="beginIndex"/>) through the timesteps of SetTimesteps(<paramref name="numInferenceSteps"/>) from that
    /// step on (<see cref="DiffusionScheduler.TimestepsFrom"/>).
    /// <paramref name="eta"/> is DDIM's η and must stay 0 for other schedulers. The caller's tensor is not modified.
    /// </summary>
    public static Tensor Denoise(
        DiffusionScheduler scheduler,
        Func<Tensor, long, Tensor> denoiser,
        Tensor initialLatents,
        int numInferenceSteps,
        Generator? generator = null,
        double eta = 0.0,
        DenoisingStepCallback? callback = null,
        int beginIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(initialLatents);
        var ddim = scheduler as DdimScheduler;
        if (eta != 0 && ddim is null)
            throw new ArgumentException($"DenoisingLoop: eta = {eta} is DDIM's η; {scheduler.Name} has no η, leave it 0.", nameof(eta));

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        scheduler.SetTimesteps(numInferenceSteps);
        scheduler.SetBeginIndex(beginIndex);
        var timesteps = scheduler.TimestepsFrom(beginIndex).ToArray();

        var latents = initialLatents;
        for (var j = 0; j < timesteps.Length; j++)
        {
            var i = beginIndex + j;
            var t = timesteps[j];
            Tensor next;
            using (var stepScope = NewDisposeScope())
            {
                // 1. The model input at t (identity for DDPM, DDIM and PLMS).
                var modelInput = scheduler.ScaleModelInput(latents, t);

                // 2. The denoiser's prediction (ε, x_0 or v) at (x_t, t).
                var modelOutput = denoiser(modelInput, t);

                // 3. The scheduler's step x_t -> x_{t−1}.
                var output = ddim is not null
                    ? ddim.Step(modelOutput, t, latents, eta, generator)
                    : scheduler.Step(modelOutput, t, latents, generator);
                next = output.PrevSample.MoveToOuterDisposeScope();
            }
            if (!ReferenceEquals(latents, initialLatents))
                latents.Dispose();
            latents = next;
            callback?.Invoke(i, t, latents);
        }
        return latents.MoveToOuterDisposeScope();
    }
}
