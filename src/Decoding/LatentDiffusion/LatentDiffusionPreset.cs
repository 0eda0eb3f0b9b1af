using System.Text.Json.Serialization;
using Decoding.Conditioning;
using Decoding.Diffusion;
using Decoding.Models.Unet;
using Decoding.Models.Vae;

namespace Decoding.LatentDiffusion;

/// <summary>
/// Everything that defines a class-conditional latent diffusion system of a given size: the image format, the first
/// stage (KL autoencoder, or none for pixel-space diffusion), the UNet, the label conditioner, the noise schedule and
/// the training hyper-parameters of both stages. Field names are diffusers' where diffusers has one.
/// Images are greyscale with one channel: Fashion-MNIST is greyscale, and one channel is a third of the
/// autoencoder's input and output work of replicated RGB.
/// </summary>
public sealed record LatentDiffusionPreset
{
    public const string TinyName = "tiny";
    public const string SmallName = "small";

    /// <summary>The preset's name ("tiny", "small").</summary>
    [JsonPropertyName("name")] public string Name { get; init; } = SmallName;

    /// <summary>Side of the square images the models see; smaller images are zero-padded to it.</summary>
    [JsonPropertyName("image_size")] public int ImageSize { get; init; } = 32;

    /// <summary>Image channels: 1 (greyscale) or 3 (RGB).</summary>
    [JsonPropertyName("image_channels")] public int ImageChannels { get; init; } = 1;

    /// <summary>The first-stage autoencoder; null trains the UNet on pixels (<see cref="IdentityFirstStage"/>).</summary>
    [JsonPropertyName("vae")] public AutoencoderKLConfig? Vae { get; init; }

    /// <summary>The denoising network.</summary>
    [JsonPropertyName("unet")] public UNet2DConditionConfig Unet { get; init; } = UNet2DConditionConfig.Small;

    /// <summary>The label conditioner's widths (its vocabulary comes from the class names).</summary>
    [JsonPropertyName("conditioner")] public LabelConditionerShape Conditioner { get; init; } = new();

    /// <summary>The noise schedule and prediction type used in training and sampling.</summary>
    [JsonPropertyName("scheduler")] public SchedulerConfig Scheduler { get; init; } = new();

    [JsonPropertyName("vae_training")] public VaeTrainingOptions VaeTraining { get; init; } = new();

    [JsonPropertyName("ldm_training")] public LdmTrainingOptions LdmTraining { get; init; } = new();

    /// <summary>Names accepted by <see cref="FromName"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = [TinyName, SmallName];

    /// <summary>"tiny 60, small 500": one value of every preset, for an option's help.</summary>
    public static string ByPreset(Func<LatentDiffusionPreset, long> value) =>
        string.Join(", ", Names.Select(name => $"{name} {value(FromName(name)).ToString(System.Globalization.CultureInfo.InvariantCulture)}"));

    /// <summary>The preset called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static LatentDiffusionPreset FromName(string name) => name switch
    {
        TinyName => Tiny,
        SmallName => Small,
        _ => throw new InvalidSettingException("preset", $"'{name}'", $"is unknown; choose one of {string.Join(", ", Names)}"),
    };

    /// <summary>
    /// For tests: 16x16 greyscale images, a 3-level autoencoder to a 4x4x4 latent, a 2-level UNet of 32/64 channels,
    /// a 2-layer conditioner of width 32. Each training step takes milliseconds.
    /// </summary>
    public static LatentDiffusionPreset Tiny => new()
    {
        Name = TinyName,
        ImageSize = 16,
        ImageChannels = 1,
        Vae = AutoencoderKLConfig.Tiny with { SampleSize = 16, InChannels = 1, OutChannels = 1 },
        Unet = UNet2DConditionConfig.Tiny with { SampleSize = 4 },
        Conditioner = LabelConditionerShape.From(LabelConditionerConfig.Tiny(vocabSize: 1)),
        Scheduler = new SchedulerConfig(),
        VaeTraining = new VaeTrainingOptions
        {
            MaxTrainSteps = 200, TrainBatchSize = 8, LearningRate = 2e-3, LrWarmupSteps = 10, CheckpointingSteps = 100,
            ScalingFactorImages = 256,
        },
        LdmTraining = new LdmTrainingOptions
        {
            MaxTrainSteps = 300, TrainBatchSize = 16, LearningRate = 1e-3, LrWarmupSteps = 10, EmaDecay = 0.99,
            CheckpointingSteps = 100,
        },
    };

    /// <summary>
    /// The demo: Fashion-MNIST's 28x28 greyscale images zero-padded to 32x32; a 3-level autoencoder (16/32/64 channels,
    /// 0.4M parameters) to a 4x8x8 latent; a 3-level UNet (32/64/128 channels, 3.2M parameters, cross-attention at 8x8 and
    /// 4x4); a 4-layer conditioner of width 128; Stable Diffusion's noise schedule. The widths are below the networks'
    /// Small presets, whose training steps cost several times more. The step counts (VAE 500, LDM 2,000) are sized for minutes on a
    /// 2-core machine; the README's demo sets its own and lists the measured times.
    /// </summary>
    public static LatentDiffusionPreset Small => new()
    {
        Name = SmallName,
        ImageSize = 32,
        ImageChannels = 1,
        Vae = AutoencoderKLConfig.Small with { SampleSize = 32, InChannels = 1, OutChannels = 1, BlockOutChannels = [16, 32, 64], NormNumGroups = 8 },
        Unet = UNet2DConditionConfig.Small with { SampleSize = 8, BlockOutChannels = [32, 64, 128], NormNumGroups = 16 },
        Conditioner = new LabelConditionerShape(),
        Scheduler = new SchedulerConfig(),
        VaeTraining = new VaeTrainingOptions
        {
            MaxTrainSteps = 500, TrainBatchSize = 32, LearningRate = 1e-3, LrWarmupSteps = 50, CheckpointingSteps = 250,
        },
        LdmTraining = new LdmTrainingOptions
        {
            MaxTrainSteps = 2000, TrainBatchSize = 32, LearningRate = 1e-3, LrWarmupSteps = 100, EmaDecay = 0.999,
            CheckpointingSteps = 500, MaxTrainImages = 20_000,
        },
    };

    /// <summary>The first stage this preset describes for an autoencoder (null in pixel space).</summary>
    [JsonIgnore] public int LatentChannels => Vae?.LatentChannels ?? ImageChannels;

    /// <summary>Side of the latent the UNet denoises.</summary>
    [JsonIgnore] public int LatentSize => ImageSize / (Vae?.DownsamplingFactor ?? 1);

    /// <summary>Checks every field and that the parts fit together; the one-line message names the preset and field.</summary>
    public LatentDiffusionPreset Validate()
    {
        string owner = $"preset '{Name}'";
        if (ImageSize < 1) throw new ArgumentException($"{owner}: image_size = {ImageSize} must be positive");
        if (ImageChannels is not (1 or 3)) throw new ArgumentException($"{owner}: image_channels = {ImageChannels} must be 1 or 3");
        ArgumentNullException.ThrowIfNull(Unet);
        ArgumentNullException.ThrowIfNull(Conditioner);
        ArgumentNullException.ThrowIfNull(Scheduler);
        if (Vae is not null)
        {
            Vae.Validate();
            if (Vae.InChannels != ImageChannels || Vae.OutChannels != ImageChannels)
                throw new ArgumentException($"{owner}: vae.in_channels/out_channels ({Vae.InChannels}/{Vae.OutChannels}) must equal image_channels ({ImageChannels})");
            if (ImageSize % Vae.DownsamplingFactor != 0)
                throw new ArgumentException($"{owner}: image_size {ImageSize} is not divisible by the autoencoder's downsampling factor {Vae.DownsamplingFactor}");
            if (Vae.SampleSize != ImageSize)
                throw new ArgumentException($"{owner}: vae.sample_size ({Vae.SampleSize}) must equal image_size ({ImageSize})");
        }
        Unet.Validate();
        if (Unet.InChannels != LatentChannels || Unet.OutChannels != LatentChannels)
            throw new ArgumentException($"{owner}: unet.in_channels/out_channels ({Unet.InChannels}/{Unet.OutChannels}) must equal the latent channels ({LatentChannels})");
        if (Unet.SampleSize != LatentSize)
            throw new ArgumentException($"{owner}: unet.sample_size ({Unet.SampleSize}) must equal the latent size ({LatentSize})");
        int unetDownsampling = 1 << (Unet.BlockOutChannels.Length - 1);
        if (LatentSize % unetDownsampling != 0)
            throw new ArgumentException($"{owner}: the latent size {LatentSize} is not divisible by the UNet's downsampling factor {unetDownsampling}");
        if (Unet.CrossAttentionDim != Conditioner.HiddenSize)
            throw new ArgumentException($"{owner}: unet.cross_attention_dim ({Unet.CrossAttentionDim}) must equal conditioner.hidden_size ({Conditioner.HiddenSize})");
        Conditioner.ToConfig(vocabSize: WordTokenizer.UnkId + 2);
        Scheduler.Validate($"{owner} scheduler");
        if (Scheduler.PredictionType is not (PredictionType.Epsilon or PredictionType.VPrediction))
            throw new ArgumentException($"{owner}: scheduler.prediction_type must be epsilon or v_prediction");
        VaeTraining.Validate("vae_training");
        LdmTraining.Validate("ldm_training");
        return this;
    }
}
