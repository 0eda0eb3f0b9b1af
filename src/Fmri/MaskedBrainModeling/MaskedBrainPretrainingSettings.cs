namespace Fmri.MaskedBrainModeling;

/// <summary>What <c>decoding pretrain-mbm</c> runs: the architecture preset and the training length, batch and seed.</summary>
public sealed record MaskedBrainPretrainingSettings
{
    /// <summary>tiny | small | paper (<see cref="BrainEncoderPresets"/>).</summary>
    public string Preset { get; init; } = "small";

    /// <summary>Epochs in total (a resumed run continues up to this number). Paper: 500.</summary>
    public int Epochs { get; init; } = 500;

    /// <summary>Samples per step (paper: 100); the learning rate scales linearly from <see cref="BaseLearningRate"/> at 100.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>
    /// AdamW learning rate at batch 100 (paper: 2.5e-4, tuned for 500 epochs). Short runs such as the demo's take a
    /// larger one: with the demo's 1,080 training samples (120 held out) an epoch is only 11 steps.
    /// </summary>
    public double BaseLearningRate { get; init; } = new MaskedBrainModelingOptions().BaseLearningRate;

    /// <summary>Seed of the model's initial weights, the held-out draw and the training randomness.</summary>
    public long Seed { get; init; } = 2022;

    /// <summary>Pool test-split fMRI too (MinD-Vis's released encoder saw it, in a separate fine-tune on the GOD test fMRI,
    /// its stage A2; here it joins the one pretraining run); recorded in the checkpoint config and run.json.</summary>
    public bool IncludeTestFmri { get; init; }

    /// <summary>Refuse data whose width differs from the model's, or pad/crop it explicitly.</summary>
    public WidthPolicy WidthPolicy { get; init; } = WidthPolicy.Error;

    /// <summary>Share of the pooled samples held out for the per-epoch masked-reconstruction correlation.</summary>
    public double HeldOutFraction { get; init; } = 0.1;

    /// <summary>Continue from the checkpoint in the output folder.</summary>
    public bool Resume { get; init; }

    public void Validate()
    {
        BrainEncoderPresets.FromName(Preset, 16);
        Check.AtLeast(Epochs, 1, "epochs");
        Check.AtLeast(BatchSize, 1, "batch");
        Check.Positive(BaseLearningRate, "base_lr");
        Check.That(HeldOutFraction > 0 && HeldOutFraction < 1, "held_out_fraction", HeldOutFraction, "must lie between 0 and 1 (both excluded)");
    }
}
