using System.Text.Json.Serialization;

namespace Decoding.Diffusion;

/// <summary>The variance σ_t² of the DDPM reverse step (diffusers' <c>variance_type</c>; Ho et al. 2020, Sec. 3.2).</summary>
[JsonConverter(typeof(DiffusersNameConverter<VarianceType>))]
public enum VarianceType
{
    /// <summary>σ_t² = β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t) · β_t, the posterior variance (eq. 7); the lower bound.</summary>
    [JsonStringEnumMemberName("fixed_small")] FixedSmall,

    /// <summary>Same σ_t² as <see cref="FixedSmall"/>, with σ_t computed as exp(½ log β̃_t) as in the original code.</summary>
    [JsonStringEnumMemberName("fixed_small_log")] FixedSmallLog,

    /// <summary>σ_t² = β_t, the upper bound.</summary>
    [JsonStringEnumMemberName("fixed_large")] FixedLarge,
}
