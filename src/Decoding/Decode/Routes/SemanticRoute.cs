using Decoding.LatentDiffusion;
using static TorchSharp.torch;

namespace Decoding.Decode.Routes;

/// <summary>
/// The semantic route: the conditioning predicted from fMRI (<see cref="SemanticDecoder"/>) drives the latent
/// diffusion model from pure noise, with classifier-free guidance. What it can show is the category the fMRI points
/// to, not the stimulus's own shape: each sample is a fresh image of that category.
/// </summary>
public sealed class SemanticRoute : IDecodingRoute
{
    public const string Name = "semantic";

    private readonly SemanticDecoder semantic;
    private readonly TextToImagePipeline ldm;
    private readonly SamplingOptions sampling;

    public SemanticRoute(SemanticDecoder semantic, TextToImagePipeline ldm, SamplingOptions sampling)
    {
        this.semantic = semantic ?? throw new ArgumentNullException(nameof(semantic));
        this.ldm = ldm ?? throw new ArgumentNullException(nameof(ldm));
        this.sampling = sampling.Validate(ldm.Sampler.Scheduler.NumTrainTimesteps);
        Method = new DecodedMethod("semantic: predicted conditioning -> LDM", DecodedMethod.Route, Name, UsesFmri: true, UsesTrueLabel: false,
            ControlOf: null, $"{semantic.Describe()}, then the latent diffusion model "
            + $"from pure noise: {sampling.Sampler.ToString().ToLowerInvariant()} {sampling.Steps} steps, guidance {sampling.GuidanceScale:G3}");
    }

    public DecodedMethod Method { get; }

    public bool Stochastic => true;

    public Tensor Decode(DecodeBatch batch, int samples)
    {
        using var contexts = semantic.PredictContexts(batch.Voxels, batch.Count);                       // (N, L, D)
        var device = ldm.Model.Device;
        return LatentSampling.Sample(ldm.Sampler, batch, samples, sampling, (start, b) =>
        {
            var conditional = contexts.narrow(0, start, b).repeat_interleave(samples, 0).to(device);    // (b K, L, D)
            return new GuidanceContexts(conditional, ldm.Model.Conditioner.NullContext(conditional.shape[0]));
        });
    }
}
