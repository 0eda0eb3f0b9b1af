namespace Fmri.MaskedBrainModeling;

/// <summary>
/// Pretraining settings of masked brain modeling. Defaults are MinD-Vis's stage A values (<c>Config_MBM_fMRI</c>:
/// AdamW lr 2.5e-4 at batch 100, weight decay 0.05, betas (0.9, 0.95), 500 epochs with 40 warm-up, clipping 0.8,
/// seed 2022).
/// </summary>
public sealed record MaskedBrainModelingOptions
{
    /// <summary>Number of passes over the training samples (paper: 500).</summary>
    public int Epochs { get; init; } = 500;

    /// <summary>Epochs of linear learning-rate warm-up before the cosine decay (paper: 40 of 500).</summary>
    public int WarmupEpochs { get; init; } = 40;

    /// <summary>Samples per optimisation step (paper: 100). The last batch of an epoch may be smaller.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>
    /// Peak learning rate at <see cref="ReferenceBatchSize"/> samples per step (paper: 2.5e-4 at batch 100). The
    /// rate used is BaseLearningRate * BatchSize / ReferenceBatchSize (the linear scaling rule), so batch 100 gives
    /// the paper's 2.5e-4 exactly.
    /// </summary>
    public double BaseLearningRate { get; init; } = 2.5e-4;

    /// <summary>Batch size at which <see cref="BaseLearningRate"/> applies unscaled (paper: 100).</summary>
    public int ReferenceBatchSize { get; init; } = 100;

    /// <summary>Learning rate at the end of the cosine decay (paper: 0).</summary>
    public double MinLearningRate { get; init; }

    /// <summary>AdamW decoupled weight decay on weight matrices (paper: 0.05); biases, norms and other 1-D parameters get none (timm <c>add_weight_decay</c>).</summary>
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>AdamW first-moment decay (paper: 0.9).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW second-moment decay (paper: 0.95, as MAE).</summary>
    public double Beta2 { get; init; } = 0.95;

    /// <summary>Gradients are rescaled to at most this global L2 norm before each step (paper: 0.8).</summary>
    public double GradientClipNorm { get; init; } = 0.8;

    /// <summary>Fraction of patches masked in training and held-out scoring; null uses the model's <see cref="MaskedBrainAutoencoderConfig.MaskRatio"/>.</summary>
    public double? MaskRatio { get; init; }

    /// <summary>Seed of the training randomness (sample order and masks; epoch e uses a generator derived from (Seed, e)). MinD-Vis: 2022.</summary>
    public long Seed { get; init; } = 2022;

    /// <summary>Seed of the fixed held-out mask; the same patches are hidden at every epoch so held-out scores are comparable.</summary>
    public long HeldOutMaskSeed { get; init; } = 1;

    /// <summary>What to do when the data's voxel count differs from the model's (default: refuse).</summary>
    public WidthPolicy WidthPolicy { get; init; } = WidthPolicy.Error;

    /// <summary>The learning rate actually used at the peak: BaseLearningRate * BatchSize / ReferenceBatchSize.</summary>
    public double PeakLearningRate => BaseLearningRate * BatchSize / ReferenceBatchSize;

    /// <summary>The paper's settings for a different number of epochs, keeping the warm-up share 40/500 (rounded, at least 1 when epochs > 1).</summary>
    public static MaskedBrainModelingOptions ForEpochs(int epochs)
    {
        Check.AtLeast(epochs, 1, "epochs");
        int warmup = epochs == 1 ? 0 : Math.Clamp((int)Math.Round(epochs * 40.0 / 500.0), 1, epochs - 1);
        return new MaskedBrainModelingOptions { Epochs = epochs, WarmupEpochs = warmup };
    }

    /// <summary>Throws an <see cref="InvalidSettingException"/> naming the first field that cannot run.</summary>
    public void Validate()
    {
        Require(Epochs > 0, nameof(Epochs), Epochs, "must be positive");
        Require(WarmupEpochs >= 0 && WarmupEpochs < Epochs, nameof(WarmupEpochs), WarmupEpochs, $"must be in [0, Epochs = {Epochs})");
        Require(BatchSize > 0, nameof(BatchSize), BatchSize, "must be positive");
        Require(BaseLearningRate > 0, nameof(BaseLearningRate), BaseLearningRate, "must be positive");
        Require(ReferenceBatchSize > 0, nameof(ReferenceBatchSize), ReferenceBatchSize, "must be positive");
        Require(MinLearningRate >= 0 && MinLearningRate <= PeakLearningRate, nameof(MinLearningRate), MinLearningRate,
            $"must be in [0, peak learning rate = {PeakLearningRate}]");
        Require(WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "must not be negative");
        Require(Beta1 >= 0 && Beta1 < 1, nameof(Beta1), Beta1, "must be in [0, 1)");
        Require(Beta2 >= 0 && Beta2 < 1, nameof(Beta2), Beta2, "must be in [0, 1)");
        Require(GradientClipNorm > 0, nameof(GradientClipNorm), GradientClipNorm, "must be positive");
        Require(MaskRatio is null || (MaskRatio >= 0 && MaskRatio < 1), nameof(MaskRatio), MaskRatio ?? 0, "must be in [0, 1)");
    }

    private static void Require(bool ok, string field, object value, string problem)
    {
        if (!ok)
            throw new InvalidSettingException(Check.SettingName(field), value, problem);
    }
}
