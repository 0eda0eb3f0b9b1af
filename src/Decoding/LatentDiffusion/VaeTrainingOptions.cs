using System.Globalization;
using System.Text.Json.Serialization;
using Decoding.Models.Vae;
using Fmri.Core.Training;

namespace Decoding.LatentDiffusion;

/// <summary>
/// Hyper-parameters of first-stage (KL autoencoder) training. Field names follow diffusers' training scripts; the loss
/// is LDM's without its perceptual and adversarial terms (<see cref="AutoencoderKLLoss"/>): per-sample summed L1
/// reconstruction error + kl_weight · KL. LDM trains its autoencoders with Adam, betas (0.5, 0.9); here AdamW with
/// the same betas and no weight decay (which is Adam).
/// </summary>
public sealed record VaeTrainingOptions
{
    /// <summary>Optimiser steps of a full run.</summary>
    [JsonPropertyName("max_train_steps")] public long MaxTrainSteps { get; init; } = 1000;

    /// <summary>Images per step, drawn without replacement from a seeded generator.</summary>
    [JsonPropertyName("train_batch_size")] public int TrainBatchSize { get; init; } = 32;

    /// <summary>Peak learning rate.</summary>
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 1e-3;

    /// <summary>Shape of the rate after warm-up.</summary>
    [JsonPropertyName("lr_scheduler")] public LearningRateSchedule LrScheduler { get; init; } = LearningRateSchedule.Cosine;

    /// <summary>Steps of linear warm-up from 0 to the peak rate.</summary>
    [JsonPropertyName("lr_warmup_steps")] public long LrWarmupSteps { get; init; } = 50;

    /// <summary>Adam β1 (LDM's autoencoders: 0.5).</summary>
    [JsonPropertyName("adam_beta1")] public double AdamBeta1 { get; init; } = 0.5;

    /// <summary>Adam β2 (LDM's autoencoders: 0.9).</summary>
    [JsonPropertyName("adam_beta2")] public double AdamBeta2 { get; init; } = 0.9;

    /// <summary>Decoupled weight decay (0: plain Adam, as LDM's autoencoders).</summary>
    [JsonPropertyName("adam_weight_decay")] public double AdamWeightDecay { get; init; } = 0.0;

    /// <summary>Adam ε.</summary>
    [JsonPropertyName("adam_epsilon")] public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Limit of the global gradient norm. The loss is a per-sample sum over pixels, so gradients are large
    /// and the limit mostly guards against spikes.</summary>
    [JsonPropertyName("max_grad_norm")] public double MaxGradNorm { get; init; } = 100.0;

    /// <summary>Weight of KL(q(z|x) ‖ N(0, I)) (LDM's KL autoencoders: 1e-6).</summary>
    [JsonPropertyName("kl_weight")] public double KlWeight { get; init; } = AutoencoderKLLoss.DefaultKlWeight;

    /// <summary>Save a checkpoint every this many steps (and always at the end).</summary>
    [JsonPropertyName("checkpointing_steps")] public long CheckpointingSteps { get; init; } = 500;

    /// <summary>Training images encoded to estimate the latent scaling factor 1/std(z) after training.</summary>
    [JsonPropertyName("scaling_factor_images")] public int ScalingFactorImages { get; init; } = 2000;

    /// <summary>Random affine augmentation of each training batch (small-data mode, <c>--augment</c>); null: none.</summary>
    [JsonPropertyName("augmentation")] public Fmri.Core.Imaging.AffineAugmentation? Augmentation { get; init; }

    /// <summary>The learning rate of each step.</summary>
    public Func<long, double> LearningRateAt() => LrScheduler == LearningRateSchedule.Cosine
        ? LearningRateSchedules.CosineWithWarmup(LearningRate, LrWarmupSteps, Math.Max(MaxTrainSteps, LrWarmupSteps + 1))
        : LearningRateSchedules.ConstantWithWarmup(LearningRate, LrWarmupSteps);

    /// <summary>Checks every field; the message names the field and value.</summary>
    public VaeTrainingOptions Validate(string owner = "vae_training")
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
        TrainingChecks.NonNegativeFinite(owner, "kl_weight", KlWeight);
        Augmentation?.Validate();
        TrainingChecks.Positive(owner, "checkpointing_steps", CheckpointingSteps);
        TrainingChecks.Positive(owner, "scaling_factor_images", ScalingFactorImages);
        return this;
    }
}

/// <summary>Field checks shared by the training option records; each failure is one line naming the field.</summary>
internal static class TrainingChecks
{
    public static InvalidSettingException Bad(string owner, string field, object value, string problem) =>
        new($"{owner}.{field}", value, problem);

    public static void Positive(string owner, string field, long value)
    {
        if (value < 1) throw Bad(owner, field, value, "must be at least 1");
    }

    public static void NonNegative(string owner, string field, long value)
    {
        if (value < 0) throw Bad(owner, field, value, "must not be negative");
    }

    public static void PositiveFinite(string owner, string field, double value)
    {
        if (!(value > 0) || double.IsInfinity(value)) throw Bad(owner, field, value, "must be a positive finite number");
    }

    public static void NonNegativeFinite(string owner, string field, double value)
    {
        if (!(value >= 0) || double.IsInfinity(value)) throw Bad(owner, field, value, "must be a finite number >= 0");
    }

    public static void Beta(string owner, string field, double value)
    {
        if (!(value >= 0 && value < 1)) throw Bad(owner, field, value, "must lie in [0, 1)");
    }

    public static void Probability(string owner, string field, double value)
    {
        if (!(value >= 0 && value <= 1)) throw Bad(owner, field, value, "must lie in [0, 1]");
    }
}
