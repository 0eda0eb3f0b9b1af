using System.Text.Json.Serialization;
using Fmri.Core.Training;

namespace Decoding.LatentDiffusion;

/// <summary>
/// Hyper-parameters of latent-diffusion training (UNet + label conditioner on frozen first-stage latents). Field
/// names and defaults follow diffusers' <c>train_text_to_image.py</c> (AdamW β (0.9, 0.999), weight decay 1e-2,
/// ε 1e-8, gradient-norm limit 1, EMA of the weights) except where a small CPU run needs otherwise (rates, steps).
/// </summary>
public sealed record LdmTrainingOptions
{
    /// <summary>Optimiser steps of a full run.</summary>
    [JsonPropertyName("max_train_steps")] public long MaxTrainSteps { get; init; } = 1000;

    /// <summary>Latents per step, drawn without replacement from a seeded generator.</summary>
    [JsonPropertyName("train_batch_size")] public int TrainBatchSize { get; init; } = 32;

    /// <summary>Peak learning rate.</summary>
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 5e-4;

    /// <summary>Shape of the rate after warm-up.</summary>
    [JsonPropertyName("lr_scheduler")] public LearningRateSchedule LrScheduler { get; init; } = LearningRateSchedule.ConstantWithWarmup;

    /// <summary>Steps of linear warm-up from 0 to the peak rate.</summary>
    [JsonPropertyName("lr_warmup_steps")] public long LrWarmupSteps { get; init; } = 100;

    [JsonPropertyName("adam_beta1")] public double AdamBeta1 { get; init; } = 0.9;

    [JsonPropertyName("adam_beta2")] public double AdamBeta2 { get; init; } = 0.999;

    [JsonPropertyName("adam_weight_decay")] public double AdamWeightDecay { get; init; } = 1e-2;

    [JsonPropertyName("adam_epsilon")] public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Limit of the global gradient norm (diffusers: 1.0).</summary>
    [JsonPropertyName("max_grad_norm")] public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Largest EMA decay; the decay warms up as (1 + t)/(10 + t) (diffusers' EMAModel default).</summary>
    [JsonPropertyName("ema_decay")] public double EmaDecay { get; init; } = 0.999;

    /// <summary>
    /// Condition dropout for classifier-free guidance: the probability that a sample's context is replaced by the
    /// learned null context (diffusers' <c>proportion_empty_prompts</c>; Ho &amp; Salimans 2022 use 0.1-0.2).
    /// </summary>
    [JsonPropertyName("proportion_empty_prompts")] public double ProportionEmptyPrompts { get; init; } = 0.1;

    /// <summary>
    /// Min-SNR-γ loss weighting (Hang et al., ICCV 2023; diffusers' <c>snr_gamma</c>): each sample's squared error is
    /// weighted by min(SNR_t, γ) / SNR_t for ε-prediction (/ (SNR_t + 1) for v-prediction), SNR_t = ᾱ_t / (1 − ᾱ_t), so the
    /// nearly clean timesteps, whose ε targets are easy and many, do not dominate the gradient. Null: plain MSE.
    /// </summary>
    [JsonPropertyName("snr_gamma")] public double? SnrGamma { get; init; }

    /// <summary>Save a checkpoint every this many steps (and always at the end).</summary>
    [JsonPropertyName("checkpointing_steps")] public long CheckpointingSteps { get; init; } = 500;

    /// <summary>
    /// Train on at most this many images, a subset drawn once from a generator seeded by the run's seed (null: all).
    /// The latents of the training images are computed once before training; on a CPU, encoding 60,000 images costs
    /// more than a short run sees (the small preset's 2,000 steps x 32 = 64,000 draws; the demo's 1,200 x 32 = 38,400).
    /// </summary>
    [JsonPropertyName("max_train_images")] public int? MaxTrainImages { get; init; }

    /// <summary>Random affine augmentation of each training batch before it is encoded (small-data mode, <c>--augment</c>); null: none.</summary>
    [JsonPropertyName("augmentation")] public Fmri.Core.Imaging.AffineAugmentation? Augmentation { get; init; }

    /// <summary>The learning rate of each step.</summary>
    public Func<long, double> LearningRateAt() => LrScheduler == LearningRateSchedule.Cosine
        ? LearningRateSchedules.CosineWithWarmup(LearningRate, LrWarmupSteps, Math.Max(MaxTrainSteps, LrWarmupSteps + 1))
        : LearningRateSchedules.ConstantWithWarmup(LearningRate, LrWarmupSteps);

    /// <summary>Checks every field; the message names the field and value.</summary>
    public LdmTrainingOptions Validate(string owner = "ldm_training")
    {
        TrainingChecks.Positive(owner, "max_train_steps", MaxTrainSteps);
        TrainingChecks.Positive(owner, "train_batch_size", TrainBatchSize);
        TrainingChecks.PositiveFinite(owner, "learning_rate", LearningRate);
        if (!Enum.IsDefined(LrScheduler)) throw TrainingChecks.Bad(owner, "lr_scheduler", LrScheduler, "must be constant_with_warmup or cosine");
        TrainingChecks.NonNegative(owner, "lr_warmup_steps", LrWarmupSteps);
        TrainingChecks.Beta(owner, "adam_beta1", AdamBeta1);
        TrainingChecks.Beta(owner, "adam_beta2", AdamBeta2);
        TrainingChecks.NonNegativeFinite(owner, "adam_weight_decay", AdamWeightDecay);
        TrainingChecks.PositiveFinite(owner, "adam_epsilon", AdamEpsilon);
        TrainingChecks.PositiveFinite(owner, "max_grad_norm", MaxGradNorm);
        if (!(EmaDecay >= 0 && EmaDecay < 1)) throw TrainingChecks.Bad(owner, "ema_decay", EmaDecay, "must lie in [0, 1)");
        TrainingChecks.Probability(owner, "proportion_empty_prompts", ProportionEmptyPrompts);
        if (SnrGamma is { } gamma) TrainingChecks.PositiveFinite(owner, "snr_gamma", gamma);
        TrainingChecks.Positive(owner, "checkpointing_steps", CheckpointingSteps);
        if (MaxTrainImages is { } max) TrainingChecks.Positive(owner, "max_train_images", max);
        return this;
    }
}
