using Decoding.LatentDiffusion;
using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Decode.Routes;

/// <summary>How the image-to-image route takes its start latent to the strength's first timestep.</summary>
public enum Img2ImgStart
{
    /// <summary>The forward process with random noise, as diffusers' img2img (SDEdit): every sample draws its own
    /// noise, so the prior redraws the detail the noise hides.</summary>
    Noised,

    /// <summary>DDIM inversion under the predicted conditioning (<see cref="Diffusion.DdimInversion"/>): no random noise,
    /// so what the guided denoise changes is the guidance's doing and the rest of the low-level latent stays (one image
    /// per item; needs DDIM with η = 0).</summary>
    Inverted,
}

/// <summary>How the image-to-image route runs.</summary>
/// <param name="Strength">Share of the denoising steps run from the noised low-level latent (1: from noise; small: close to it).</param>
/// <param name="Blend">Weight of the low-level image in the final image, x = (1 − β) x_img2img + β x_low-level (MindEye2 blends with its low-level reconstruction).</param>
/// <param name="LowFrequencyBlock">ILVR (<see cref="Diffusion.Ilvr"/>): after every denoising step the latent's means
/// over blocks of this many latent pixels a side are replaced by the low-level latent's, noised to the same timestep,
/// so the result keeps the low-level reconstruction's layout and the model supplies the detail; 0 = off.</param>
/// <param name="Start">How the low-level latent reaches the strength's timestep: noised (SDEdit) or DDIM-inverted.</param>
/// <param name="BestOf">Candidates drawn per item (1: off). With M &gt; 1 the route draws M images per item and keeps the
/// one closest to the fMRI's own low-level reconstruction (<see cref="Img2ImgRoute.BestOfLowLevel"/>): one image per item.</param>
public sealed record Img2ImgSettings(double Strength = 0.5, double Blend = 0.0, int LowFrequencyBlock = 0, Img2ImgStart Start = Img2ImgStart.Noised,
    int BestOf = 1)
{
    public Img2ImgSettings Validate()
    {
        Check.That(Strength > 0 && Strength <= 1, "strength", Strength, "must lie in (0, 1]");
        Check.InRange(Blend, 0, 1, "blend");
        Check.That(LowFrequencyBlock >= 0, "ilvr_block", LowFrequencyBlock, "must be 0 (off) or a block size of 1 or more latent pixels");
        Check.That(Enum.IsDefined(Start), "start", Start, "must be noised or inverted");
        Check.That(Start == Img2ImgStart.Noised || LowFrequencyBlock == 0, "ilvr_block", LowFrequencyBlock,
            "holds the latent to the noised low-level latent; an inverted start has no noise to hold it to ({start} noised)");
        Check.That(BestOf >= 1, "best_of", BestOf, "must be 1 (off) or the number of candidates drawn per item");
        Check.That(Start == Img2ImgStart.Noised || BestOf == 1, "best_of", BestOf,
            "chooses among candidates drawn with different noise; an inverted start draws none, so all its candidates are one image ({start} noised)");
        return this;
    }
}

/// <summary>
/// The route of the methods that beat MinD-Vis (Takagi &amp; Nishimoto 2023; Brain-Diffuser; MindEye): the low-level
/// latent predicted from fMRI is the start point, the conditioning predicted from fMRI steers the latent diffusion
/// model, and the diffusion model acts as a prior that turns a blurry reconstruction into a plausible image:
/// <code>
///   z_low = scale · ridge_z(v)                       low-level latent (Takagi's z)
///   c     = ridge_c(v)                               semantic conditioning (Takagi's c)
///   z_0   = img2img(z_low, c, strength s, guidance g) noise z_low to the strength's timestep, denoise with c
///   x     = (1 − β) D(z_0) + β D(z_low / scale)       optional blend with the low-level image
/// </code>
/// With best-of-M (<see cref="Img2ImgSettings.BestOf"/>), M noised starts are denoised per item and the item keeps the
/// one whose image D(z_0) correlates best with the low-level image D(z_low / scale): MindEye (Scotti et al. 2023) picks
/// the best of its candidates by their similarity to the embedding predicted from fMRI; here the reference is the
/// fMRI's own low-level reconstruction, so the choice uses no stimulus and no scoring classifier.
/// With <see cref="Img2ImgStart.Inverted"/> the start is z_s = DDIM-inversion(z_low, c) instead of random noise: at
/// guidance 1 the denoise gives z_low back, and a larger guidance moves the image toward c while it keeps the rest.
/// </summary>
public sealed class Img2ImgRoute : IDecodingRoute
{
    public const string Name = "img2img";

    private readonly LowLevelRoute lowLevel;
    private readonly SemanticDecoder semantic;
    private readonly TextToImagePipeline ldm;
    private readonly SamplingOptions sampling;
    private readonly Img2ImgSettings settings;

    public Img2ImgRoute(LowLevelRoute lowLevel, SemanticDecoder semantic, TextToImagePipeline ldm, SamplingOptions sampling, Img2ImgSettings settings)
    {
        this.lowLevel = lowLevel ?? throw new ArgumentNullException(nameof(lowLevel));
        this.semantic = semantic ?? throw new ArgumentNullException(nameof(semantic));
        this.ldm = ldm ?? throw new ArgumentNullException(nameof(ldm));
        this.sampling = sampling.Validate(ldm.Sampler.Scheduler.NumTrainTimesteps);
        this.settings = settings.Validate();
        _ = Diffusion.Img2Img.BeginIndex(sampling.Steps, settings.Strength);   // the strength must run at least one step
        if (settings.Start == Img2ImgStart.Inverted)
            Check.That(sampling.Sampler == SamplerKind.Ddim && sampling.Eta == 0, "start", "inverted",
                $"needs the deterministic DDIM sampler ({{sampler}} ddim) to invert; this decode uses {sampling.Sampler.ToString().ToLowerInvariant()}");
        if (settings.LowFrequencyBlock > 0)
        {
            Check.That(sampling.Sampler != SamplerKind.Plms, "ilvr_block", settings.LowFrequencyBlock,
                "needs a sampler that takes one step per timestep ({sampler} ddim or ddpm); PLMS repeats one in its warm-up");
            var latent = ldm.Sampler.LatentShape(1);
            Check.That(latent[^1] % settings.LowFrequencyBlock == 0 && latent[^2] % settings.LowFrequencyBlock == 0, "ilvr_block", settings.LowFrequencyBlock,
                $"must divide the latent's height and width ({latent[^2]} x {latent[^1]})");
        }
        Method = new DecodedMethod("img2img: low-level latent + semantic conditioning", DecodedMethod.Route, Name, UsesFmri: true, UsesTrueLabel: false,
            ControlOf: null, $"the low-level route's latent {(settings.Start == Img2ImgStart.Inverted ? "DDIM-inverted under the semantic conditioning" : "noised")} to strength {settings.Strength:G3} and denoised by the latent diffusion model "
            + $"conditioned on the semantic route's prediction ({semantic.Target.ToString().ToLowerInvariant()} target): "
            + $"{sampling.Sampler.ToString().ToLowerInvariant()} {sampling.Steps} steps, guidance {sampling.GuidanceScale:G3}"
            + (settings.LowFrequencyBlock > 0 ? $", its {settings.LowFrequencyBlock}x{settings.LowFrequencyBlock} latent block means held to the low-level latent's (ILVR)" : "")
            + (settings.BestOf > 1 ? $"; of {settings.BestOf} candidates per item the one that correlates best with the low-level image" : "")
            + (settings.Blend > 0 ? $", blended with the low-level image at weight {settings.Blend:G3}" : "")
            + $". Low-level latent: {lowLevel.Method.Description}. Semantic conditioning: {semantic.Describe()}");
    }

    public DecodedMethod Method { get; }

    /// <summary>The noised start draws noise per sample; the inverted start is deterministic, and best-of-M keeps one
    /// image per item (its candidates come from the item's own generator, so the image is the same in any batch).</summary>
    public bool Stochastic => settings.Start == Img2ImgStart.Noised && settings.BestOf == 1;

    public Img2ImgSettings Settings => settings;

    public Tensor Decode(DecodeBatch batch, int samples)
    {
        using var scope = NewDisposeScope();
        var device = ldm.Model.Device;
        var low = lowLevel.Map.PredictLatents(batch.Voxels, batch.Count);                              // (N, c, h, w), unscaled
        var start = low.Times(ldm.Sampler.FirstStage.ScalingFactor).to(device);                           // z_low
        var contexts = semantic.PredictContexts(batch.Voxels, batch.Count);                            // (N, L, D)
        int draws = settings.BestOf > 1 ? settings.BestOf : samples;                                   // M candidates, or the K samples
        var images = settings.Start == Img2ImgStart.Inverted
            ? LatentSampling.SampleInverted(ldm.Sampler, start, samples, sampling, settings.Strength, (s, b) =>
            {
                var conditional = contexts.narrow(0, s, b).to(device);                                 // (b, L, D)
                return new GuidanceContexts(conditional, ldm.Model.Conditioner.NullContext(b));
            })
            : LatentSampling.Sample(ldm.Sampler, batch, draws, sampling, (s, b) =>
        {
            var conditional = contexts.narrow(0, s, b).repeat_interleave(draws, 0).to(device);         // (b M, L, D)
            return new GuidanceContexts(conditional, ldm.Model.Conditioner.NullContext(conditional.shape[0]));
        }, start, settings.Strength, settings.LowFrequencyBlock > 0 ? LowFrequencyRefinement : null); // (N, M, C, S, S)
        Tensor? lowImages = settings.Blend > 0 || settings.BestOf > 1 ? lowLevel.Map.DecodeLatents(low).unsqueeze(1) : null;   // (N, 1, C, S, S)
        if (settings.BestOf > 1)
        {
            var best = BestOfLowLevel(images, lowImages!);                                             // (N, 1, C, S, S)
            images = best.expand(batch.Count, samples, best.shape[2], best.shape[3], best.shape[4]).contiguous();
        }
        if (settings.Blend > 0)
            images = images.Times(1 - settings.Blend).Plus(lowImages!.Times(settings.Blend)).Clamped(0, 1);
        return images.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Best-of-M: of each item's candidates (N, M, C, S, S), the one whose pixels correlate best (Pearson) with the item's
    /// low-level image (N, 1, C, S, S); the first on a tie. Returns (N, 1, C, S, S).
    /// </summary>
    public static Tensor BestOfLowLevel(Tensor candidates, Tensor lowImages)
    {
        using var scope = NewDisposeScope();
        static Tensor Standardised(Tensor x)                                                           // (.., D) zero mean, unit norm
        {
            var x64 = x.to(ScalarType.Float64);
            var centred = x64.sub(x64.mean([-1], keepdim: true));
            return centred.div(centred.norm(-1, keepdim: true).clamp_min(1e-12));
        }
        long n = candidates.shape[0], m = candidates.shape[1];
        var c = Standardised(candidates.reshape(n, m, -1));                                           // (N, M, D)
        var l = Standardised(lowImages.to(candidates.device).reshape(n, 1, -1));                      // (N, 1, D)
        var correlation = c.mul(l).sum([-1]);                                                        // (N, M)
        var index = correlation.argmax(1);                                                             // (N,) first maximum
        var gather = index.view(n, 1, 1, 1, 1).expand(n, 1, candidates.shape[2], candidates.shape[3], candidates.shape[4]);
        return candidates.gather(1, gather).MoveToOuterDisposeScope();
    }

    /// <summary>ILVR's step callback for one sampler call: its start latents (z_low, scaled) and the noise its start was made with.</summary>
    private Diffusion.DenoisingStepCallback LowFrequencyRefinement(Tensor startLatents, Tensor noise)
    {
        var scheduler = Samplers.Create(sampling.Sampler, ldm.Sampler.Scheduler);
        scheduler.SetTimesteps(sampling.Steps);
        return Diffusion.Ilvr.Refinement(scheduler, startLatents, noise, settings.LowFrequencyBlock);
    }
}
