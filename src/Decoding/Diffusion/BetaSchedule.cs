using System.Text.Json.Serialization;

namespace Decoding.Diffusion;

/// <summary>
/// How the noise variances β_1..β_T of the forward process are laid out over the training timesteps
/// (diffusers' <c>beta_schedule</c>; the JSON names are diffusers').
/// </summary>
[JsonConverter(typeof(DiffusersNameConverter<BetaSchedule>))]
public enum BetaSchedule
{
    /// <summary>β evenly spaced from beta_start to beta_end (Ho et al. 2020, Sec. 4: 1e-4 .. 0.02).</summary>
    [JsonStringEnumMemberName("linear")] Linear,

    /// <summary>√β evenly spaced from √beta_start to √beta_end, then squared (latent diffusion, Stable Diffusion).</summary>
    [JsonStringEnumMemberName("scaled_linear")] ScaledLinear,

    /// <summary>
    /// Cosine schedule of Nichol &amp; Dhariwal 2021 (eq. 17, s = 0.008): β_t = 1 − ᾱ(t/T)/ᾱ((t−1)/T), clipped
    /// at 0.999 (their Sec. 3.2), with ᾱ(τ) = cos²((τ + s)/(1 + s) · π/2).
    /// </summary>
    [JsonStringEnumMemberName("squaredcos_cap_v2")] SquaredCosCapV2,
}
