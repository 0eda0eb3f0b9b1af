using Decoding.LatentDiffusion;
using static TorchSharp.torch;

namespace Decoding.Decode.Routes;

/// <summary>How the image-to-image route runs.</summary>
/// <param name="Strength">Share of the denoising steps run from the noised low-level latent (1: from noise; small: close to it).</param>
/// <param name="Blend">Weight of the low-level image in the final image, x = (1 − β) x_img2img + β x_low-level (MindEye2 blends with its low-level reconstruction).</param>
public sealed record Img2ImgSettings(double Strength = 0.5, double Blend = 0.0)
{
    public Img2ImgSettings Validate()
    {
        Check.That(Strength > 0 && Strength <= 1, "strength", Strength, "must lie in (0, 1]");
        Check.InRange(Blend, 0, 1, "blend");
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
        Method = new DecodedMethod("img2img: low-level latent + semantic conditioning", DecodedMethod.Route, Name, UsesFmri: true, UsesTrueLabel: false,
            ControlOf: null, $"the low-level route's latent noised to strength {settings.Strength:G3} and denoised by the latent diffusion model "
            + $"conditioned on the semantic route's prediction ({semantic.Target.ToString().ToLowerInvariant()} target): "
            + $"{sampling.Sampler.ToString().ToLowerInvariant()} {sampling.Steps} steps, guidance {sampling.GuidanceScale:G3}"
            + (settings.Blend > 0 ? $", blended with the low-level image at weight {settings.Blend:G3}" : ""));
    }

    public DecodedMethod Method { get; }

    public bool Stochastic => true;

    public Img2ImgSettings Settings => settings;

    public Tensor Decode(DecodeBatch batch, int samples)
    {
        using var scope = NewDisposeScope();
        var device = ldm.Model.Device;
        var low = lowLevel.Map.PredictLatents(batch.Voxels, batch.Count);                              // (N, c, h, w), unscaled
        var start = (low * ldm.Sampler.FirstStage.ScalingFactor).to(device);                           // z_low
        var contexts = semantic.PredictContexts(batch.Voxels, batch.Count);                            // (N, L, D)
        var images = LatentSampling.Sample(ldm.Sampler, batch, samples, sampling, (s, b) =>
        {
            var conditional = contexts.narrow(0, s, b).repeat_interleave(samples, 0).to(device);       // (b K, L, D)
            return new GuidanceContexts(conditional, ldm.Model.Conditioner.NullContext(conditional.shape[0]));
        }, start, settings.Strength);                                                                   // (N, K, C, S, S)
        if (settings.Blend > 0)
        {
            var lowImages = lowLevel.Map.DecodeLatents(low).unsqueeze(1);                              // (N, 1, C, S, S)
            images = (images * (1 - settings.Blend) + lowImages * settings.Blend).clamp(0, 1);
        }
        return images.MoveToOuterDisposeScope();
    }
}
