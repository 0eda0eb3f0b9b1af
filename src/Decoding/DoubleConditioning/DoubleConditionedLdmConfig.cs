using System.Text.Json.Serialization;
using Decoding.Diffusion;
using Decoding.LatentDiffusion;
using Decoding.Models.Unet;
using Fmri.MaskedBrainModeling;

namespace Decoding.DoubleConditioning;

/// <summary>
/// What a trained fMRI-to-image model is (<c>dc_ldm.config.json</c>): the pretrained brain encoder's config (with its
/// include_test_fmri record), the adapter's shapes, the UNet and noise schedule of the latent diffusion model it was
/// built on, the image format and first stage, and which parameters were trained.
/// </summary>
public sealed record DoubleConditionedLdmConfig
{
    [JsonPropertyName("brain_encoder")] public required PretrainedBrainEncoderConfig BrainEncoder { get; init; }

    [JsonPropertyName("adapter")] public required FmriConditionAdapterConfig Adapter { get; init; }

    [JsonPropertyName("unet")] public required UNet2DConditionConfig Unet { get; init; }

    [JsonPropertyName("scheduler")] public required SchedulerConfig Scheduler { get; init; }

    [JsonPropertyName("image_size")] public int ImageSize { get; init; }

    [JsonPropertyName("image_channels")] public int ImageChannels { get; init; }

    /// <summary>"AutoencoderKL" (the folder holds a copy of the frozen autoencoder as <c>vae.*</c>) or "identity".</summary>
    [JsonPropertyName("first_stage")] public string FirstStage { get; init; } = "";

    [JsonPropertyName("trainable")] public TrainableParts Trainable { get; init; } = TrainableParts.MindVis;
}
