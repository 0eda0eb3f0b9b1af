using System.Globalization;
using System.Text.Json.Serialization;

namespace Decoding.Models.Vae;

/// <summary>
/// Configuration of <see cref="AutoencoderKL"/>, with diffusers' config.json field names so that a diffusers
/// <c>vae/config.json</c> reads directly. Defaults are diffusers' own defaults for fields a file omits; the
/// presets give complete configurations. Validated when a model is built; errors name the field and value.
/// </summary>
public sealed record AutoencoderKLConfig
{
    public const string DownEncoderBlock2D = "DownEncoderBlock2D";
    public const string UpDecoderBlock2D = "UpDecoderBlock2D";

    /// <summary>Image height and width the model is meant for (informational).</summary>
    [JsonPropertyName("sample_size")] public int SampleSize { get; init; } = 32;

    /// <summary>Image channels in.</summary>
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 3;

    /// <summary>Image channels out.</summary>
    [JsonPropertyName("out_channels")] public int OutChannels { get; init; } = 3;

    /// <summary>"DownEncoderBlock2D" per level (the only encoder block type of the KL autoencoder).</summary>
    [JsonPropertyName("down_block_types")] public string[] DownBlockTypes { get; init; } = [DownEncoderBlock2D];

    /// <summary>"UpDecoderBlock2D" per level.</summary>
    [JsonPropertyName("up_block_types")] public string[] UpBlockTypes { get; init; } = [UpDecoderBlock2D];

    /// <summary>Width of each level, high to low resolution; every level but the last halves the resolution.</summary>
    [JsonPropertyName("block_out_channels")] public int[] BlockOutChannels { get; init; } = [64];

    /// <summary>ResNet blocks per encoder level; decoder levels have one more.</summary>
    [JsonPropertyName("layers_per_block")] public int LayersPerBlock { get; init; } = 1;

    /// <summary>Activation; only "silu" is implemented.</summary>
    [JsonPropertyName("act_fn")] public string ActFn { get; init; } = "silu";

    /// <summary>Channels of the latent z (the posterior has twice as many: mean and log-variance).</summary>
    [JsonPropertyName("latent_channels")] public int LatentChannels { get; init; } = 4;

    /// <summary>Groups of every GroupNorm (epsilon is 1e-6 throughout, as in diffusers and LDM).</summary>
    [JsonPropertyName("norm_num_groups")] public int NormNumGroups { get; init; } = 32;

    /// <summary>
    /// Latents are multiplied by this before diffusion and divided by it before decoding, to give them unit
    /// variance (Rombach et al. 2022, Sec. 4.3.2 / App. G: 1 / std of the encoded training latents).
    /// </summary>
    [JsonPropertyName("scaling_factor")] public double ScalingFactor { get; init; } = 0.18215;

    /// <summary>Number of downsampling steps = levels - 1; the latent is 2^that times smaller per side.</summary>
    [JsonIgnore] public int DownsamplingFactor => 1 << Math.Max(0, (BlockOutChannels?.Length ?? 1) - 1);

    /// <summary>Tests: 3x32x32 → 4x8x8 in milliseconds. Untrained, so the scaling factor is 1.</summary>
    public static AutoencoderKLConfig Tiny => new()
    {
        SampleSize = 32,
        BlockOutChannels = [16, 32, 32],
        DownBlockTypes = [DownEncoderBlock2D, DownEncoderBlock2D, DownEncoderBlock2D],
        UpBlockTypes = [UpDecoderBlock2D, UpDecoderBlock2D, UpDecoderBlock2D],
        LayersPerBlock = 1,
        LatentChannels = 4,
        NormNumGroups = 8,
        ScalingFactor = 1.0,
    };

    /// <summary>
    /// Small: 3x32x32 images ↔ a 4x8x8 latent (the demo's <c>LatentDiffusionPreset.Small</c> uses a 1-channel,
    /// 16/32/64-channel variant). The scaling factor is 1 until trained; set it to 1 / std of the
    /// trained encoder's latents (the LDM recipe).
    /// </summary>
    public static AutoencoderKLConfig Small => new()
    {
        SampleSize = 32,
        BlockOutChannels = [32, 64, 128],
        DownBlockTypes = [DownEncoderBlock2D, DownEncoderBlock2D, DownEncoderBlock2D],
        UpBlockTypes = [UpDecoderBlock2D, UpDecoderBlock2D, UpDecoderBlock2D],
        LayersPerBlock = 1,
        LatentChannels = 4,
        NormNumGroups = 32,
        ScalingFactor = 1.0,
    };

    /// <summary>Stable Diffusion 1.x's autoencoder (runwayml/stable-diffusion-v1-5 vae/config.json): 83,653,863 parameters.</summary>
    public static AutoencoderKLConfig Sd15 => new()
    {
        SampleSize = 512,
        BlockOutChannels = [128, 256, 512, 512],
        DownBlockTypes = [DownEncoderBlock2D, DownEncoderBlock2D, DownEncoderBlock2D, DownEncoderBlock2D],
        UpBlockTypes = [UpDecoderBlock2D, UpDecoderBlock2D, UpDecoderBlock2D, UpDecoderBlock2D],
        LayersPerBlock = 2,
        LatentChannels = 4,
        NormNumGroups = 32,
        ScalingFactor = 0.18215,
    };

    /// <summary>Everything wrong with this config, each naming the diffusers field and the bad value.</summary>
    public IEnumerable<ConfigProblem> Problems()
    {
        static string List<T>(IEnumerable<T> v) => "[" + string.Join(", ", v.Select(x => Convert.ToString(x, CultureInfo.InvariantCulture))) + "]";
        if (SampleSize < 1) yield return new("sample_size", $"must be >= 1, got {SampleSize}");
        if (InChannels < 1) yield return new("in_channels", $"must be >= 1, got {InChannels}");
        if (OutChannels < 1) yield return new("out_channels", $"must be >= 1, got {OutChannels}");
        if (BlockOutChannels is null || BlockOutChannels.Length == 0)
        {
            yield return new("block_out_channels", "must list at least one width");
            yield break;
        }
        if (NormNumGroups < 1) yield return new("norm_num_groups", $"must be >= 1, got {NormNumGroups}");
        else if (BlockOutChannels.Any(c => c < 1 || c % NormNumGroups != 0))
            yield return new("block_out_channels", $"every width must be a positive multiple of norm_num_groups = {NormNumGroups}, got {List(BlockOutChannels)}");
        if (DownBlockTypes is null || DownBlockTypes.Length != BlockOutChannels.Length)
            yield return new("down_block_types", $"needs one entry per block_out_channels ({BlockOutChannels.Length}), got {List(DownBlockTypes ?? [])}");
        else if (DownBlockTypes.Any(t => t != DownEncoderBlock2D))
            yield return new("down_block_types", $"entries must be {DownEncoderBlock2D}, got {List(DownBlockTypes)}");
        if (UpBlockTypes is null || UpBlockTypes.Length != BlockOutChannels.Length)
            yield return new("up_block_types", $"needs one entry per block_out_channels ({BlockOutChannels.Length}), got {List(UpBlockTypes ?? [])}");
        else if (UpBlockTypes.Any(t => t != UpDecoderBlock2D))
            yield return new("up_block_types", $"entries must be {UpDecoderBlock2D}, got {List(UpBlockTypes)}");
        if (LayersPerBlock < 1) yield return new("layers_per_block", $"must be >= 1, got {LayersPerBlock}");
        if (LatentChannels < 1) yield return new("latent_channels", $"must be >= 1, got {LatentChannels}");
        if (!(ScalingFactor > 0) || double.IsInfinity(ScalingFactor))
            yield return new("scaling_factor", $"must be a positive number, got {ScalingFactor.ToString(CultureInfo.InvariantCulture)}");
        if (ActFn != "silu") yield return new("act_fn", $"only \"silu\" is implemented, got \"{ActFn}\"");
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad field and value.</summary>
    public void Validate() => ConfigProblem.ThrowIfAny(nameof(AutoencoderKLConfig), Problems());

    /// <summary>
    /// Fields of diffusers' <c>AutoencoderKL</c> config this record does not model, with the value that gives the network
    /// built here (SD-1.x's); <c>force_upcast</c> only matters in half precision.
    /// </summary>
    internal static IReadOnlyList<DiffusersField> OtherDiffusersFields { get; } =
    [
        DiffusersField.Fixed("use_quant_conv", "true"),
        DiffusersField.Fixed("use_post_quant_conv", "true"),
        DiffusersField.Fixed("mid_block_add_attention", "true"),
        DiffusersField.Fixed("shift_factor", "null"),
        DiffusersField.Fixed("latents_mean", "null"),
        DiffusersField.Fixed("latents_std", "null"),
        DiffusersField.WithoutEffect("force_upcast"),
    ];

    /// <summary>Reads a diffusers <c>vae/config.json</c>; <paramref name="source"/> names the file in errors.</summary>
    public static AutoencoderKLConfig FromJson(string json, string source)
    {
        var config = ConfigJson.Read<AutoencoderKLConfig>(json, source, OtherDiffusersFields);
        ConfigProblem.ThrowIfAnyInFile(source, config.Problems());
        return config;
    }

    /// <summary>Reads and validates a diffusers <c>vae/config.json</c> file.</summary>
    public static AutoencoderKLConfig Load(string path) => FromJson(File.ReadAllText(path), path);

    /// <summary>This config as diffusers-style JSON.</summary>
    public string ToJson() => ConfigJson.Write(this);
}
