using System.Text.Json.Serialization;

namespace Decoding.Editing;

/// <summary>
/// Prompt-to-Prompt's injection schedule (Hertz et al. 2022, Sec. 3.2, the timestamp τ): the edited image takes the
/// source image's cross-attention maps during the first <see cref="CrossFraction"/> of the denoising steps and its
/// self-attention maps during the first <see cref="SelfFraction"/>; afterwards it uses its own. Early steps fix the
/// layout, late ones the details, so larger fractions keep more of the source image. The paper's code injects
/// cross-attention for 80% of the steps and self-attention for 20-60% (40% by default).
/// </summary>
/// <param name="CrossFraction">τ_c in [0, 1]: share of the steps with injected cross-attention maps.</param>
/// <param name="SelfFraction">τ_s in [0, 1]: share of the steps with injected self-attention maps.</param>
public sealed record InjectionSchedule(
    [property: JsonPropertyName("cross_fraction")] double CrossFraction,
    [property: JsonPropertyName("self_fraction")] double SelfFraction)
{
    /// <summary>The paper's code's defaults: cross-attention 0.8, self-attention 0.4.</summary>
    public static InjectionSchedule Default { get; } = new(0.8, 0.4);

    /// <summary>No injection at all: each edit is generated from its own prompt alone (same noise).</summary>
    public static InjectionSchedule None { get; } = new(0, 0);

    /// <summary>
    /// Prompt-to-Prompt injects self-attention only where the maps are at most 16 x 16 positions: finer maps hold the
    /// fine detail an edit should be free to change. Every self-attention of the project's small UNets is coarser.
    /// </summary>
    public const int MaxSelfAttentionPositions = 16 * 16;

    /// <summary>Checks both fractions; errors name the option.</summary>
    public InjectionSchedule Validate()
    {
        Check.InRange(CrossFraction, 0, 1, "cross_steps");
        Check.InRange(SelfFraction, 0, 1, "self_steps");
        return this;
    }

    /// <summary>Number of the first UNet evaluations (of <paramref name="evaluations"/>) with injected cross-attention: ⌊τ_c n⌋.</summary>
    public int CrossSteps(int evaluations) => (int)Math.Floor(CrossFraction * evaluations);

    /// <summary>Number of the first UNet evaluations with injected self-attention: ⌊τ_s n⌋.</summary>
    public int SelfSteps(int evaluations) => (int)Math.Floor(SelfFraction * evaluations);
}
