using System.Text.Json.Serialization;

namespace Decoding.LatentDiffusion;

/// <summary>How to sample: which sampler, how many steps, how strong the classifier-free guidance, DDIM's η.</summary>
public sealed record SamplingOptions
{
    [JsonPropertyName("sampler")]
    [JsonConverter(typeof(JsonStringEnumConverter<SamplerKind>))]
    public SamplerKind Sampler { get; init; } = SamplerKind.Ddim;

    /// <summary>Number of denoising steps (diffusers' num_inference_steps).</summary>
    [JsonPropertyName("num_inference_steps")] public int Steps { get; init; } = 50;

    /// <summary>
    /// s in ε̃ = ε_∅ + s (ε_c − ε_∅) (diffusers' guidance_scale; Ho &amp; Salimans' w = s − 1). 1 is the plain
    /// conditional model (one UNet call per step), 0 the unconditional one.
    /// </summary>
    [JsonPropertyName("guidance_scale")] public double GuidanceScale { get; init; } = 3.0;

    /// <summary>DDIM's η (0: deterministic); must be 0 for the other samplers.</summary>
    [JsonPropertyName("eta")] public double Eta { get; init; }

    /// <summary>True when every step needs the unconditional prediction too.</summary>
    [JsonIgnore] public bool UsesGuidance => GuidanceScale != 1.0;

    /// <summary>Checks the options against a model trained with <paramref name="numTrainTimesteps"/> timesteps.</summary>
    public SamplingOptions Validate(int numTrainTimesteps)
    {
        Check.That(Enum.IsDefined(Sampler), "sampler", Sampler, "is unknown");
        Check.AtLeast(Steps, 1, "steps");
        Check.That(Steps <= numTrainTimesteps, "steps", Steps, $"exceeds the {numTrainTimesteps} timesteps the model was trained with");
        Check.NonNegative(GuidanceScale, "guidance");
        Check.InRange(Eta, 0, 1, "eta");   // above 1 DDIM's σ_t² can exceed 1 − α_(t−1): no valid step
        Check.That(Eta == 0 || Sampler == SamplerKind.Ddim, "eta", Eta, $"is DDIM's η; the {Sampler.ToString().ToLowerInvariant()} sampler has none, leave it 0");
        return this;
    }
}
