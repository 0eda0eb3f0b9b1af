using Decoding.Diffusion;
using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using Decoding.Models.Unet;
using Decoding.Models.Vae;
using Fmri.MaskedBrainModeling;
using TorchSharp;

namespace Decoding.Tests.DoubleConditioning;

/// <summary>Tiny DC-LDMs built in memory: a pixel-space one (identity first stage) and one on ldm's tiny autoencoder.</summary>
internal static class TinyDcLdm
{
    public static (DoubleConditionedLdm Model, FirstStage FirstStage) PixelSpace(int voxels, long seed, int imageSize, TrainableParts trainable = TrainableParts.All,
        bool clsTokenInEncoder = true)
    {
        // Narrower than UNet2DConditionConfig.Tiny (16/32 channels instead of 32/64) so that pixel-space training takes seconds.
        var unetConfig = UNet2DConditionConfig.Tiny with
        {
            InChannels = 1, OutChannels = 1, SampleSize = imageSize, BlockOutChannels = [16, 32], NormNumGroups = 8,
        };
        return Build(voxels, seed, unetConfig, new IdentityFirstStage(1), trainable, imageSize, clsTokenInEncoder);
    }

    public static (DoubleConditionedLdm Model, FirstStage FirstStage) WithAutoencoder(int voxels, long seed, TrainableParts trainable = TrainableParts.MindVis)
    {
        var preset = LatentDiffusionPreset.Tiny;
        using var generator = new torch.Generator((ulong)seed + 1);
        var vae = new AutoencoderKL(preset.Vae!);
        SeededInitialization.Apply(vae, generator);
        return Build(voxels, seed, preset.Unet with { InChannels = vae.LatentChannels, OutChannels = vae.LatentChannels }, new AutoencoderFirstStage(vae), trainable, preset.ImageSize);
    }

    private static (DoubleConditionedLdm, FirstStage) Build(int voxels, long seed, UNet2DConditionConfig unetConfig, FirstStage firstStage, TrainableParts trainable, int imageSize,
        bool clsTokenInEncoder = true)
    {
        using var generator = new torch.Generator((ulong)seed);
        var encoder = new MaskedBrainAutoencoder(MaskedBrainAutoencoderConfig.Tiny(voxels), generator);
        var unet = new UNet2DConditionModel(unetConfig);
        SeededInitialization.Apply(unet, generator);
        var adapterConfig = new FmriConditionAdapterConfig
        {
            FmriSequenceLength = encoder.Config.NumPatches,
            FmriLatentDim = encoder.Config.EmbedDim,
            ContextTokens = 8,
            CrossAttentionDim = unet.Config.CrossAttentionDim,
            TimeEmbedDim = unet.TimeEmbeddingDim,
            ClsTokenInEncoder = clsTokenInEncoder,
        };
        var adapter = new FmriConditionAdapter(adapterConfig, generator);
        DoubleConditionedLdmFolder.SeedLayers(adapter, generator);
        var config = new DoubleConditionedLdmConfig
        {
            BrainEncoder = new PretrainedBrainEncoderConfig { Preset = "tiny", Model = encoder.Config, DataVoxels = voxels },
            Adapter = adapterConfig,
            Unet = unetConfig,
            Scheduler = new SchedulerConfig(),
            ImageSize = imageSize,
            ImageChannels = 1,
            FirstStage = firstStage.Kind,
            Trainable = trainable,
        };
        return (new DoubleConditionedLdm(config, encoder, adapter, unet), firstStage);
    }
}
