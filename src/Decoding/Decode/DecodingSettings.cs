using Decoding.Decode.Routes;
using Decoding.LatentDiffusion;
using Fmri.Data;

namespace Decoding.Decode;

/// <summary>What <c>decoding decode</c> does: which route, K samples per item of a split, the sampler, and the control.</summary>
public sealed record DecodingSettings
{
    /// <summary>The route's name (see <see cref="RouteCatalog"/>).</summary>
    public string Route { get; init; } = Img2ImgRoute.Name;

    /// <summary>Images per test item (MinD-Vis: 5); deterministic routes make one.</summary>
    public int Samples { get; init; } = 5;

    /// <summary>Sampler, steps and guidance of the routes that sample (MinD-Vis: PLMS, 250 steps, guidance 1 = none).</summary>
    public SamplingOptions Sampling { get; init; } = new() { Sampler = SamplerKind.Ddim, Steps = 50, GuidanceScale = 5.0 };

    /// <summary>Strength and blend of the image-to-image route.</summary>
    public Img2ImgSettings Img2Img { get; init; } = new();

    /// <summary>What the low-level latent map knows besides the voxels (the lowlevel and img2img routes).</summary>
    public LowLevelPrior LowLevelPrior { get; init; } = LowLevelPrior.None;

    /// <summary>What the semantic map predicts.</summary>
    public SemanticTarget SemanticTarget { get; init; } = SemanticTarget.Context;

    /// <summary>Seed of every item's generator (and of the ridge folds).</summary>
    public long Seed { get; init; } = 2022;

    public DataSplit Split { get; init; } = DataSplit.Test;

    /// <summary>
    /// Trials each decoded sample averages (e.g. 35 for Generic Object Decoding's test samples); the ridge maps to
    /// images (low-level latent, pixels) choose their penalty for that noise level (<see cref="Fmri.Ridge.TrialNoise"/>).
    /// 1: single trials, the penalty as cross-validated.
    /// </summary>
    public double InputRepeats { get; init; } = 1;

    /// <summary>The validation split's size when a route chooses a setting on it (<c>decode --validation-stimuli</c>).</summary>
    public const int DefaultValidationStimuli = 60;

    /// <summary>Training stimuli held out as the validation split (at most half of them) by the routes that choose a
    /// setting there: the encoding route's λ (img2img and semantic --select take theirs from the command).</summary>
    public int ValidationStimuli { get; init; } = DefaultValidationStimuli;

    /// <summary>Hold out whole training categories as the validation split (<c>decode --validation-split categories</c>):
    /// for designs whose test categories no training trial shows (<see cref="ValidationSplit"/>).</summary>
    public bool ValidationWholeCategories { get; init; }

    /// <summary>The encoding route's Adam steps on the latent (<see cref="EncodingInversionRoute.DefaultSteps"/>).</summary>
    public int EncodingSteps { get; init; } = EncodingInversionRoute.DefaultSteps;

    /// <summary>The encoding route's λ as given, used as is (null: chosen on a validation split of the training trials and
    /// scaled for <see cref="InputRepeats"/>; see <see cref="EncodingInversionRoute"/>).</summary>
    public double? EncodingPenalty { get; init; }

    /// <summary>Control: decode each item from another item's fMRI (see <see cref="ShuffledFmriControl"/>).</summary>
    public bool ShuffleFmri { get; init; }

    /// <summary>The method's name in reports (default: the route's own), e.g. to compare settings of one route.</summary>
    public string? MethodName { get; init; }

    /// <summary>Seed of the control's permutation, independent of the sampling noise.</summary>
    public long ControlSeed { get; init; } = 1;

    /// <summary>Checks the settings (for a model trained with <paramref name="numTrainTimesteps"/> timesteps, when known).</summary>
    public DecodingSettings Validate(int numTrainTimesteps = int.MaxValue)
    {
        Check.AtLeast(Samples, 1, "samples");
        Check.InRange(InputRepeats, 1, 1e6, "ridge_repeats");
        Check.AtLeast(ValidationStimuli, 2, "validation_stimuli");
        Check.AtLeast(EncodingSteps, 1, "encoding_steps");
        if (EncodingPenalty is { } penalty) Check.InRange(penalty, 0, 1e9, "encoding_penalty");
        Sampling.Validate(numTrainTimesteps);
        Img2Img.Validate();
        return this;
    }
}
