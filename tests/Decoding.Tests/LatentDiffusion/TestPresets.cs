using Decoding.Diffusion;
using Decoding.LatentDiffusion;
using Decoding.Models.Unet;

namespace Decoding.Tests.LatentDiffusion;

/// <summary>Preset variants for tests, and temporary folders.</summary>
internal static class TestPresets
{
    /// <summary>
    /// The tiny preset without an autoencoder and with a UNet of half its width: the UNet denoises 8x8 greyscale
    /// pixels with DDPM's linear β schedule (Ho et al. 2020: 1e-4 to 0.02), as a pixel-space DDPM, with the predicted
    /// x_0 clipped to [−1, 1] as Ho et al. do. The UNet predicts v (Salimans &amp; Ho 2022): after 150 steps,
    /// ε-prediction left some samples on the wrong side for some seeds (its x_0 estimate is poor at high noise),
    /// v-prediction did not.
    /// </summary>
    public static LatentDiffusionPreset PixelSpace(long steps, int batch = 8, double learningRate = 2e-3) => LatentDiffusionPreset.Tiny with
    {
        Name = "tiny-pixel-space",
        ImageSize = 8,
        Vae = null,
        Unet = UNet2DConditionConfig.Tiny with { SampleSize = 8, InChannels = 1, OutChannels = 1, BlockOutChannels = [16, 32] },
        Scheduler = new SchedulerConfig
        {
            BetaSchedule = BetaSchedule.Linear, BetaStart = 1e-4, BetaEnd = 0.02, ClipSample = true, PredictionType = PredictionType.VPrediction,
        },
        LdmTraining = LatentDiffusionPreset.Tiny.LdmTraining with
        {
            MaxTrainSteps = steps, TrainBatchSize = batch, LearningRate = learningRate, LrWarmupSteps = 10, EmaDecay = 0.99,
            CheckpointingSteps = steps,
        },
    };

    /// <summary>The tiny preset with short training runs.</summary>
    public static LatentDiffusionPreset Tiny(long vaeSteps, long ldmSteps, long checkpointEvery = 1000) => LatentDiffusionPreset.Tiny with
    {
        VaeTraining = LatentDiffusionPreset.Tiny.VaeTraining with { MaxTrainSteps = vaeSteps, CheckpointingSteps = checkpointEvery, ScalingFactorImages = 64 },
        LdmTraining = LatentDiffusionPreset.Tiny.LdmTraining with { MaxTrainSteps = ldmSteps, CheckpointingSteps = checkpointEvery },
    };
}

/// <summary>Exact tensor comparison.</summary>
internal static class Tensors
{
    /// <summary>True when both tensors have the same shape and every element is equal.</summary>
    public static bool Identical(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var equal = a.eq(b).all();
        return equal.item<bool>();
    }
}
