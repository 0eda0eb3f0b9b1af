using Decoding.LatentDiffusion;
using Fmri.Data;

namespace Decoding.Decode;

/// <summary>What <c>decoding decode</c> does: K samples per item of a split, the sampler, and the shuffled-fMRI control.</summary>
public sealed record DecodingSettings
{
    /// <summary>Images per test item (MinD-Vis: 5).</summary>
    public int Samples { get; init; } = 5;

    /// <summary>Sampler, steps and guidance (MinD-Vis: PLMS, 250 steps, guidance 1 = none).</summary>
    public SamplingOptions Sampling { get; init; } = new() { Sampler = SamplerKind.Plms, Steps = 250, GuidanceScale = 1.0 };

    public long Seed { get; init; } = 2022;

    public DataSplit Split { get; init; } = DataSplit.Test;

    /// <summary>Control: permute the fMRI rows relative to the stimuli (seeded), so decoding should fall to chance.</summary>
    public bool ShuffleFmri { get; init; }

    /// <summary>Checks the settings (for a model trained with <paramref name="numTrainTimesteps"/> timesteps, when known).</summary>
    public DecodingSettings Validate(int numTrainTimesteps = int.MaxValue)
    {
        Check.AtLeast(Samples, 1, "samples");
        Sampling.Validate(numTrainTimesteps);
        return this;
    }
}
