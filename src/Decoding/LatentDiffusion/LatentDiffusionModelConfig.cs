using System.Text.Json.Serialization;
using Decoding.Conditioning;
using Decoding.Diffusion;
using Decoding.Models.Unet;

namespace Decoding.LatentDiffusion;

/// <summary>
/// What a trained latent diffusion model is, stored as its checkpoint's config (<c>ldm.config.json</c>): the preset it
/// came from, the image format, the kind of first stage, the class names (prompts), and the UNet, conditioner and
/// scheduler configs under diffusers' and transformers' field names. Resuming or loading with a different one is
/// refused field by field (<see cref="Fmri.Core.Checkpoints.ModelCheckpoint.CheckConfig{TConfig}"/>).
/// </summary>
public sealed record LatentDiffusionModelConfig
{
    [JsonPropertyName("preset")] public string Preset { get; init; } = "";

    [JsonPropertyName("image_size")] public int ImageSize { get; init; }

    [JsonPropertyName("image_channels")] public int ImageChannels { get; init; }

    /// <summary>"AutoencoderKL" (the folder holds the autoencoder as <c>vae.*</c>) or "identity" (pixel space).</summary>
    [JsonPropertyName("first_stage")] public string FirstStage { get; init; } = "";

    /// <summary>Class names in label order; each is a prompt the model was trained on.</summary>
    [JsonPropertyName("class_names")] public string[] ClassNames { get; init; } = [];

    [JsonPropertyName("unet")] public UNet2DConditionConfig Unet { get; init; } = new();

    [JsonPropertyName("conditioner")] public LabelConditionerConfig Conditioner { get; init; } = new();

    [JsonPropertyName("scheduler")] public SchedulerConfig Scheduler { get; init; } = new();

    /// <summary>The config of a model trained with <paramref name="preset"/> on classes <paramref name="classNames"/>.</summary>
    public static LatentDiffusionModelConfig For(LatentDiffusionPreset preset, string firstStage, IReadOnlyList<string> classNames, WordTokenizer tokenizer) => new()
    {
        Preset = preset.Name,
        ImageSize = preset.ImageSize,
        ImageChannels = preset.ImageChannels,
        FirstStage = firstStage,
        ClassNames = classNames.ToArray(),
        Unet = preset.Unet,
        Conditioner = preset.Conditioner.ToConfig(tokenizer.VocabularySize),
        Scheduler = preset.Scheduler,
    };
}
