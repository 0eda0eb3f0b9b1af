using System.Text.Json.Serialization;

namespace Decoding.Diffusion;

/// <summary>
/// How the inference timesteps are picked from the training timesteps 0..T−1 (diffusers' <c>timestep_spacing</c>;
/// the three names of Lin et al. 2024, "Common Diffusion Noise Schedules and Sample Steps are Flawed", Table 2).
/// </summary>
[JsonConverter(typeof(DiffusersNameConverter<TimestepSpacing>))]
public enum TimestepSpacing
{
    /// <summary>0, r, 2r, ... with r = T div n, plus steps_offset (DDIM's and Stable Diffusion's choice).</summary>
    [JsonStringEnumMemberName("leading")] Leading,

    /// <summary>T, T − T/n, ... rounded, minus one: always starts at T − 1.</summary>
    [JsonStringEnumMemberName("trailing")] Trailing,

    /// <summary>n points evenly spaced over [0, T − 1], rounded.</summary>
    [JsonStringEnumMemberName("linspace")] Linspace,
}
