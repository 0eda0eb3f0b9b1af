namespace Decoding.DoubleConditioning;

/// <summary>
/// Stage-B training settings. Defaults are MinD-Vis's (GOD): AdamW lr 5.3e-5, batch 5, 500 epochs, random crop to
/// 0.8 with p = 0.5, 20% of voxels zeroed; plus condition dropout (p = 0.1) so classifier-free guidance is possible.
/// </summary>
public sealed record AdapterTrainingOptions
{
    public int Epochs { get; init; } = 500;
    public int BatchSize { get; init; } = 5;

    /// <summary>Peak AdamW learning rate (paper: 5.3e-5).</summary>
    public double LearningRate { get; init; } = 5.3e-5;

    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Optimiser steps of linear warm-up to the peak rate, then constant.</summary>
    public int WarmupSteps { get; init; } = 10;

    /// <summary>Global gradient-norm limit.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Share of voxels set to zero per sample (the paper's text: 0.2; its code zeroes none, see the paper preset).</summary>
    public double VoxelDropout { get; init; } = 0.2;

    /// <summary>Probability of cropping an image before encoding (paper: 0.5).</summary>
    public double CropProbability { get; init; } = 0.5;

    /// <summary>Side of the crop as a share of the image side (paper: 0.8); the crop is resized back.</summary>
    public double CropScale { get; init; } = 0.8;

    /// <summary>Probability of replacing a sample's conditioning by the adapter's null condition, which classifier-free
    /// guidance needs trained (0: none, as MinD-Vis, which decodes without guidance).</summary>
    public double ConditionDropout { get; init; } = 0.1;

    public TrainableParts Trainable { get; init; } = TrainableParts.MindVis;

    /// <summary>Run the brain encoder with its CLS token among the tokens (stage A's layout), or on the patch tokens
    /// alone as MinD-Vis's stage B does (<see cref="FmriConditionAdapterConfig.ClsTokenInEncoder"/>).</summary>
    public bool ClsTokenInEncoder { get; init; } = true;

    /// <summary>
    /// Weight λ of the alignment term: λ · ‖c − τ(category)‖², the mean squared distance between the adapter's context
    /// and the LDM conditioner's context of the stimulus's category name, which pulls the brain context toward the
    /// context the UNet was trained on. 0 (MinD-Vis) leaves the loss the denoising loss alone.
    /// </summary>
    public double AlignmentWeight { get; init; }

    /// <summary>Decay of the exponential moving average of the trained weights (0: none, as MinD-Vis); decoding uses the average when there is one.</summary>
    public double EmaDecay { get; init; }

    /// <summary>Seed of the run's generator (sample order, augmentations, noise, timesteps).</summary>
    public long Seed { get; init; } = 2022;

    /// <summary>
    /// The training settings of each preset: paper is MinD-Vis's stage B (500 epochs, batch 5, learning rate 5.3e-5, the
    /// defaults above); small, the demo's models, trains 100 epochs at batch 16 and 2e-4; tiny 30 epochs at batch 8 and
    /// 1e-3 so a test trains in seconds.
    /// </summary>
    public static AdapterTrainingOptions ForPreset(string preset) => preset switch
    {
        "tiny" => new AdapterTrainingOptions { Epochs = 30, BatchSize = 8, LearningRate = 1e-3, WarmupSteps = 5 },
        "small" => new AdapterTrainingOptions { Epochs = 100, BatchSize = 16, LearningRate = 2e-4, WarmupSteps = 20 },
        // MinD-Vis's stage B as its code runs it (stageB_ldm_finetune.py, ddpm.py): a constant AdamW rate without warm-up,
        // gradients clipped at 0.5 (the trainer's gradient_clip_val), no condition dropout (no null context: it decodes
        // without guidance), and no voxel dropped: its fmri_transform draws int(x.shape[0] x 0.2) indices of a (1, voxels)
        // array, that is none. The other presets keep the project's choices (warm-up, clipping at 1, 20% voxel dropout,
        // 10% condition dropout, so that guidance has a trained null condition). Its stage-B encoder, fmri_encoder, runs on
        // the patch tokens alone (no CLS token in the attention).
        "paper" => new AdapterTrainingOptions { WarmupSteps = 0, MaxGradNorm = 0.5, VoxelDropout = 0, ConditionDropout = 0, ClsTokenInEncoder = false },
        _ => throw new InvalidSettingException("preset", $"'{preset}'", "is unknown; choose tiny, small or paper"),
    };

    public void Validate()
    {
        Fmri.Core.Check.AtLeast(Epochs, 1, "epochs");
        Fmri.Core.Check.AtLeast(BatchSize, 1, "batch");
        Fmri.Core.Check.Positive(LearningRate, "lr");
        Fmri.Core.Check.AtLeast(WarmupSteps, 0, "warmup_steps");
        Fmri.Core.Check.Positive(MaxGradNorm, "max_grad_norm");
        Fmri.Core.Check.Fraction(VoxelDropout, "voxel_dropout");
        Fmri.Core.Check.InRange(CropProbability, 0, 1, "crop_probability");
        Fmri.Core.Check.That(CropScale > 0 && CropScale <= 1, "crop_scale", CropScale, "must lie in (0, 1]");
        Fmri.Core.Check.Fraction(ConditionDropout, "condition_dropout");
        Fmri.Core.Check.NonNegative(AlignmentWeight, "align_weight");
        Fmri.Core.Check.Fraction(EmaDecay, "ema_decay");
    }
}
