using Decoding.Diffusion;
using Decoding.Models.Unet;
using static TorchSharp.torch;

namespace Decoding.LatentDiffusion;

/// <summary>
/// The denoising half of a latent diffusion pipeline, from conditioning tensors to images, so that any condition
/// source can drive it (class-name prompts in <see cref="TextToImagePipeline"/>; an fMRI adapter's context and added
/// time embedding in the brain-decoding pipeline). The steps, as in diffusers' StableDiffusionPipeline:
/// <code>
///   1. z_T ~ N(0, I) of shape (B, c, h, w), drawn from the caller's generator
///   2. for t in scheduler.Timesteps (ddpm | ddim | plms, n steps):
///        ε_∅, ε_c = UNet(cat[z_t, z_t], t, cat[c_∅, c], cat[e_∅, e_c])     one batched call
///        ε̃ = ε_∅ + s (ε_c − ε_∅)                                           classifier-free guidance
///        z_{t−1} = scheduler.Step(ε̃, t, z_t)
///   3. x = D(z_0 / scale), mapped from [−1, 1] to [0, 1]
/// </code>
/// With guidance scale 1 the unconditional half is skipped (one UNet call per step on c).
/// </summary>
public sealed class LatentDiffusionSampler
{
    /// <param name="unet">The denoiser (switched to evaluation mode here).</param>
    /// <param name="firstStage">Decodes latents to images.</param>
    /// <param name="scheduler">The noise schedule and prediction type the UNet was trained with.</param>
    /// <param name="imageSize">Side of the generated images.</param>
    public LatentDiffusionSampler(UNet2DConditionModel unet, FirstStage firstStage, SchedulerConfig scheduler, int imageSize)
    {
        Unet = unet ?? throw new ArgumentNullException(nameof(unet));
        FirstStage = firstStage ?? throw new ArgumentNullException(nameof(firstStage));
        Scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        scheduler.Validate(nameof(LatentDiffusionSampler));
        if (unet.Config.InChannels != firstStage.LatentChannels)
            throw new ArgumentException($"latent diffusion sampler: the UNet takes {unet.Config.InChannels} channels, the first stage's latents have {firstStage.LatentChannels}");
        ImageSize = imageSize;
        LatentSize = firstStage.LatentSize(imageSize);
    }

    public UNet2DConditionModel Unet { get; }
    public FirstStage FirstStage { get; }
    public SchedulerConfig Scheduler { get; }
    public int ImageSize { get; }
    public int LatentSize { get; }

    /// <summary>Images in [0, 1], (B, C, S, S), for the given conditioning (steps 1-3 of the summary).</summary>
    public Tensor Sample(GuidanceContexts contexts, SamplingOptions options, Generator generator, DenoisingStepCallback? callback = null)
    {
        using var scope = NewDisposeScope();
        var latents = SampleLatents(contexts, options, generator, callback);
        return DecodeLatents(latents).MoveToOuterDisposeScope();
    }

    /// <summary>The denoised, scaled latents z_0, (B, c, h, w) (steps 1-2 of the summary).</summary>
    public Tensor SampleLatents(GuidanceContexts contexts, SamplingOptions options, Generator generator, DenoisingStepCallback? callback = null)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generator);
        options.Validate(Scheduler.NumTrainTimesteps);
        contexts.Validate();
        if (options.UsesGuidance && contexts.Unconditional is null)
            throw new ArgumentException($"sampling: guidance scale {options.GuidanceScale} needs an unconditional context; pass one or use guidance 1");

        Unet.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var device = contexts.Conditional.device;
        var scheduler = Samplers.Create(options.Sampler, Scheduler);
        try
        {
            Func<Tensor, long, Tensor> denoiser;
            if (options.UsesGuidance)
            {
                var context = cat(new[] { contexts.Unconditional!, contexts.Conditional }, 0);                       // (2B, L, D)
                var added = contexts.ConditionalTimeEmbedding is null
                    ? null
                    : cat(new[] { contexts.UnconditionalTimeEmbedding!, contexts.ConditionalTimeEmbedding }, 0);    // (2B, E)
                Tensor Batched(Tensor doubled, long t)
                {
                    using var timestep = tensor(t, ScalarType.Int64, device);
                    return Unet.Forward(doubled, timestep, context, added);                                         // (2B, c, h, w)
                }
                denoiser = ClassifierFreeGuidance.GuideBatched(Batched, options.GuidanceScale);
            }
            else
            {
                denoiser = (latents, t) =>
                {
                    using var timestep = tensor(t, ScalarType.Int64, device);
                    return Unet.Forward(latents, timestep, contexts.Conditional, contexts.ConditionalTimeEmbedding);
                };
            }
            long[] shape = [contexts.BatchSize, FirstStage.LatentChannels, LatentSize, LatentSize];
            var sample = DenoisingLoop.Sample(scheduler, denoiser, shape, options.Steps, generator, options.Eta, callback, device);
            return sample.MoveToOuterDisposeScope();
        }
        finally
        {
            (scheduler as IDisposable)?.Dispose();
        }
    }

    /// <summary>Scaled latents → images in [0, 1]: x = D(z / scale) (step 3 of the summary).</summary>
    public Tensor DecodeLatents(Tensor latents)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var images = FirstStage.Decode(latents / FirstStage.ScalingFactor);   // (B, C, S, S) in about [−1, 1]
        return ImageTensors.ToUnitRange(images).MoveToOuterDisposeScope();
    }
}
