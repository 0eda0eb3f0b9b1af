using Decoding.Diffusion;
using Decoding.Models.Unet;
using Fmri.Core.Torch;
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
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        var noise = DiffusionScheduler.RandomNormal(LatentShape(contexts.BatchSize), generator, contexts.Conditional.device, ScalarType.Float32);
        return Denoise(noise, 1.0, contexts, options, generator, callback).MoveToOuterDisposeScope();
    }

    /// <summary>Latent shape (B, c, h, w) of a batch.</summary>
    public long[] LatentShape(long batch) => [batch, FirstStage.LatentChannels, LatentSize, LatentSize];

    /// <summary>
    /// Denoised, scaled latents z_0 (B, c, h, w) from given noise ε (B, c, h, w): with <paramref name="strength"/> 1 and
    /// no <paramref name="startLatents"/>, from pure noise x_T = ε; otherwise image-to-image (<see cref="Img2Img"/>):
    /// the scaled clean <paramref name="startLatents"/> noised with ε to the strength's first timestep and denoised
    /// through the remaining steps. <paramref name="stepNoise"/> feeds the schedulers that draw at every step (DDPM,
    /// DDIM with η &gt; 0); null for the deterministic ones.
    /// </summary>
    public Tensor Denoise(Tensor noise, double strength, GuidanceContexts contexts, SamplingOptions options, Generator? stepNoise = null,
        DenoisingStepCallback? callback = null, Tensor? startLatents = null)
    {
        CheckCall(noise, contexts, options, "sampling: noise");
        if ((options.Sampler == SamplerKind.Ddpm || options.Eta != 0) && stepNoise is null)
            throw new ArgumentException($"sampling: the {options.Sampler.ToString().ToLowerInvariant()} sampler draws noise at every step; pass a generator for it");
        if (startLatents is null && strength != 1.0)
            throw new ArgumentException($"sampling: strength {strength} needs start latents (image-to-image)");

        Unet.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var device = contexts.Conditional.device;
        var scheduler = Samplers.Create(options.Sampler, Scheduler);
        try
        {
            var denoiser = Denoiser(contexts, options, device);
            int beginIndex = 0;
            var initial = noise.Times(scheduler.InitNoiseSigma);                                                         // x_T
            if (startLatents is not null)
            {
                if (!startLatents.shape.SequenceEqual(noise.shape))
                    throw new ArgumentException($"img2img: start latents ({string.Join(", ", startLatents.shape)}) and noise ({string.Join(", ", noise.shape)}) differ");
                scheduler.SetTimesteps(options.Steps);
                beginIndex = Img2Img.BeginIndex(options.Steps, strength);
                initial = Img2Img.NoisedStart(scheduler, startLatents, noise, beginIndex);                          // x_t at grid step b's timestep
            }
            var sample = DenoisingLoop.Denoise(scheduler, denoiser, initial, options.Steps, stepNoise, options.Eta, callback, beginIndex);
            return sample.MoveToOuterDisposeScope();
        }
        finally
        {
            (scheduler as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// Image-to-image from a DDIM inversion instead of random noise: scaled clean latents (B, c, h, w) are inverted
    /// (<see cref="DdimInversion"/>) up to the first timestep <paramref name="strength"/> runs, under the conditional
    /// context of <paramref name="contexts"/> without guidance, then denoised through the remaining steps with
    /// <paramref name="options"/>' guidance. At guidance 1 this gives the latents back up to the inversion's one-step
    /// error; a larger guidance changes what the conditioning changes and keeps the rest. Needs DDIM with η = 0.
    /// Returns the denoised, scaled latents z_0.
    /// </summary>
    public Tensor InvertAndDenoise(Tensor cleanLatents, double strength, GuidanceContexts contexts, SamplingOptions options)
    {
        CheckCall(cleanLatents, contexts, options, "inversion: latents");
        Check.That(options.Sampler == SamplerKind.Ddim && options.Eta == 0, "sampler", options.Sampler.ToString().ToLowerInvariant(),
            "cannot be inverted; DDIM inversion needs the deterministic DDIM sampler ({sampler} ddim, eta 0)");
        Unet.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var device = contexts.Conditional.device;
        var scheduler = new DdimScheduler(Scheduler);
        int beginIndex = Img2Img.BeginIndex(options.Steps, strength);
        var inverted = DdimInversion.Invert(scheduler, Denoiser(contexts, options with { GuidanceScale = 1.0 }, device), cleanLatents, options.Steps, beginIndex);
        var sample = DenoisingLoop.Denoise(scheduler, Denoiser(contexts, options, device), inverted, options.Steps, beginIndex: beginIndex);
        return sample.MoveToOuterDisposeScope();
    }

    /// <summary>What every sampling call checks first: the options, the contexts, an unconditional context when guided,
    /// and latents (<paramref name="what"/> names them in the message) of the batch's shape (B, c, h, w).</summary>
    private void CheckCall(Tensor latents, GuidanceContexts contexts, SamplingOptions options, string what)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(Scheduler.NumTrainTimesteps);
        contexts.Validate();
        if (options.UsesGuidance && contexts.Unconditional is null)
            throw new ArgumentException($"sampling: guidance scale {options.GuidanceScale} needs an unconditional context; pass one or use guidance 1");
        if (!latents.shape.SequenceEqual(LatentShape(contexts.BatchSize)))
            throw new ArgumentException($"{what} have shape ({string.Join(", ", latents.shape)}); the batch's latents are ({string.Join(", ", LatentShape(contexts.BatchSize))})");
    }

    /// <summary>The denoiser (x_t, t) -> model output: one UNet call on the conditional context, or classifier-free
    /// guidance over one batched call on [unconditional, conditional].</summary>
    private Func<Tensor, long, Tensor> Denoiser(GuidanceContexts contexts, SamplingOptions options, Device device)
    {
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
            return ClassifierFreeGuidance.GuideBatched(Batched, options.GuidanceScale);
        }
        return (latents, t) =>
        {
            using var timestep = tensor(t, ScalarType.Int64, device);
            return Unet.Forward(latents, timestep, contexts.Conditional, contexts.ConditionalTimeEmbedding);
        };
    }

    /// <summary>Scaled latents → images in [0, 1]: x = D(z / scale) (step 3 of the summary).</summary>
    public Tensor DecodeLatents(Tensor latents)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var images = FirstStage.Decode(latents.DividedBy(FirstStage.ScalingFactor));   // (B, C, S, S) in about [−1, 1]
        return ImageTensors.ToUnitRange(images).MoveToOuterDisposeScope();
    }
}
