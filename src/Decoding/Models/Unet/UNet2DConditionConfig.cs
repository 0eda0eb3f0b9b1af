using System.Globalization;
using System.Text.Json.Serialization;
using Decoding.Models.Transformers;

namespace Decoding.Models.Unet;

/// <summary>
/// Configuration of <see cref="UNet2DConditionModel"/>, with diffusers' config.json field names so that a
/// diffusers <c>unet/config.json</c> reads directly. Defaults are Stable Diffusion 1.x's values.
/// Validated when a model is built (<see cref="Validate"/>); errors name the field and the bad value.
/// </summary>
public sealed record UNet2DConditionConfig
{
    public const string CrossAttnDownBlock2D = "CrossAttnDownBlock2D";
    public const string DownBlock2D = "DownBlock2D";
    public const string CrossAttnUpBlock2D = "CrossAttnUpBlock2D";
    public const string UpBlock2D = "UpBlock2D";

    /// <summary>Latent height and width the model is meant for (informational; any size divisible works).</summary>
    [JsonPropertyName("sample_size")] public int SampleSize { get; init; } = 64;

    /// <summary>Channels of the noisy latent.</summary>
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 4;

    /// <summary>Channels of the prediction (the noise ε for SD).</summary>
    [JsonPropertyName("out_channels")] public int OutChannels { get; init; } = 4;

    /// <summary>Width of each resolution level; the first one also sets the timestep-embedding width.</summary>
    [JsonPropertyName("block_out_channels")] public int[] BlockOutChannels { get; init; } = [320, 640, 1280, 1280];

    /// <summary>ResNet (and attention) layers per down block; up blocks have one more.</summary>
    [JsonPropertyName("layers_per_block")] public int LayersPerBlock { get; init; } = 2;

    /// <summary>One of "CrossAttnDownBlock2D" or "DownBlock2D" per level, from high to low resolution.</summary>
    [JsonPropertyName("down_block_types")]
    public string[] DownBlockTypes { get; init; } = [CrossAttnDownBlock2D, CrossAttnDownBlock2D, CrossAttnDownBlock2D, DownBlock2D];

    /// <summary>One of "UpBlock2D" or "CrossAttnUpBlock2D" per level, from low to high resolution.</summary>
    [JsonPropertyName("up_block_types")]
    public string[] UpBlockTypes { get; init; } = [UpBlock2D, CrossAttnUpBlock2D, CrossAttnUpBlock2D, CrossAttnUpBlock2D];

    /// <summary>Width of the context tokens attended to by cross-attention (CLIP ViT-L/14: 768).</summary>
    [JsonPropertyName("cross_attention_dim")] public int CrossAttentionDim { get; init; } = 768;

    /// <summary>
    /// In SD 1.x configs this field holds the NUMBER OF HEADS (8), not the per-head width: diffusers keeps the
    /// historical name and reads it as <c>num_attention_heads</c> when that field is absent. Same here.
    /// </summary>
    [JsonPropertyName("attention_head_dim")] public int AttentionHeadDim { get; init; } = 8;

    /// <summary>Number of attention heads when given explicitly (overrides <see cref="AttentionHeadDim"/>).</summary>
    [JsonPropertyName("num_attention_heads")] public int? NumAttentionHeads { get; init; }

    /// <summary>BasicTransformerBlocks inside each Transformer2DModel.</summary>
    [JsonPropertyName("transformer_layers_per_block")] public int TransformerLayersPerBlock { get; init; } = 1;

    /// <summary>Groups of every GroupNorm in ResNet blocks and at the output.</summary>
    [JsonPropertyName("norm_num_groups")] public int NormNumGroups { get; init; } = 32;

    /// <summary>Epsilon of the ResNet and output GroupNorms (the transformers' GroupNorm uses 1e-6, as in diffusers).</summary>
    [JsonPropertyName("norm_eps")] public double NormEps { get; init; } = 1e-5;

    /// <summary>Sinusoidal timestep embedding ordered [cos, sin] (true for SD) instead of [sin, cos].</summary>
    [JsonPropertyName("flip_sin_to_cos")] public bool FlipSinToCos { get; init; } = true;

    /// <summary>Shift of the frequency denominator in the timestep embedding (0 for SD).</summary>
    [JsonPropertyName("freq_shift")] public double FreqShift { get; init; }

    /// <summary>Projection in and out of the transformers: 1x1 convolutions (false, SD 1.x) or linear layers (true, SD 2.x).</summary>
    [JsonPropertyName("use_linear_projection")] public bool UseLinearProjection { get; init; }

    /// <summary>Dropout in ResNet blocks and attention outputs (0 for SD).</summary>
    [JsonPropertyName("dropout")] public double Dropout { get; init; }

    /// <summary>Activation; only "silu" is implemented (the only one SD uses).</summary>
    [JsonPropertyName("act_fn")] public string ActFn { get; init; } = "silu";

    /// <summary>Number of attention heads in every transformer.</summary>
    [JsonIgnore] public int AttentionHeads => NumAttentionHeads ?? AttentionHeadDim;

    /// <summary>Width of the timestep embedding (4 x the first level's width, as in diffusers).</summary>
    [JsonIgnore] public int TimeEmbeddingDim => BlockOutChannels.Length > 0 ? BlockOutChannels[0] * 4 : 0;

    /// <summary>Tests: a forward pass in milliseconds on a 4x8x8 latent.</summary>
    public static UNet2DConditionConfig Tiny => new()
    {
        SampleSize = 8,
        BlockOutChannels = [32, 64],
        LayersPerBlock = 1,
        DownBlockTypes = [CrossAttnDownBlock2D, DownBlock2D],
        UpBlockTypes = [UpBlock2D, CrossAttnUpBlock2D],
        CrossAttentionDim = 32,
        AttentionHeadDim = 2,
        NormNumGroups = 8,
    };

    /// <summary>
    /// Small: a 5.9M-parameter UNet on the 4x8x8 latent of a 32x32 image (see
    /// <see cref="Vae.AutoencoderKLConfig.Small"/>), cross-attention at 8x8 and 4x4, trainable in minutes on
    /// 2 cores. The demo's
    /// <c>LatentDiffusionPreset.Small</c> is narrower still (32/64/128 channels, 3.2M parameters, 8 context tokens).
    /// </summary>
    public static UNet2DConditionConfig Small => new()
    {
        SampleSize = 8,
        BlockOutChannels = [64, 128, 128],
        LayersPerBlock = 1,
        DownBlockTypes = [CrossAttnDownBlock2D, CrossAttnDownBlock2D, DownBlock2D],
        UpBlockTypes = [UpBlock2D, CrossAttnUpBlock2D, CrossAttnUpBlock2D],
        CrossAttentionDim = 128,
        AttentionHeadDim = 4,
        NormNumGroups = 32,
    };

    /// <summary>Stable Diffusion 1.x (runwayml/stable-diffusion-v1-5 unet/config.json): 859,520,964 parameters.</summary>
    public static UNet2DConditionConfig Sd15 => new() { SampleSize = 64 };

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
        if (LayersPerBlock < 1) yield return new("layers_per_block", $"must be >= 1, got {LayersPerBlock}");
        if (DownBlockTypes is null || DownBlockTypes.Length != BlockOutChannels.Length)
            yield return new("down_block_types", $"needs one entry per block_out_channels ({BlockOutChannels.Length}), got {List(DownBlockTypes ?? [])}");
        else if (DownBlockTypes.Any(t => t != CrossAttnDownBlock2D && t != DownBlock2D))
            yield return new("down_block_types", $"entries must be {CrossAttnDownBlock2D} or {DownBlock2D}, got {List(DownBlockTypes)}");
        if (UpBlockTypes is null || UpBlockTypes.Length != BlockOutChannels.Length)
            yield return new("up_block_types", $"needs one entry per block_out_channels ({BlockOutChannels.Length}), got {List(UpBlockTypes ?? [])}");
        else if (UpBlockTypes.Any(t => t != CrossAttnUpBlock2D && t != UpBlock2D))
            yield return new("up_block_types", $"entries must be {CrossAttnUpBlock2D} or {UpBlock2D}, got {List(UpBlockTypes)}");
        if (CrossAttentionDim < 1) yield return new("cross_attention_dim", $"must be >= 1, got {CrossAttentionDim}");
        string headsField = NumAttentionHeads is null ? "attention_head_dim" : "num_attention_heads";
        if (AttentionHeads < 1) yield return new(headsField, $"number of heads must be >= 1, got {AttentionHeads}");
        else if (BlockOutChannels.Any(c => c % AttentionHeads != 0))
            yield return new(headsField, $"{AttentionHeads} heads do not divide every width in block_out_channels {List(BlockOutChannels)}");
        if (TransformerLayersPerBlock < 1) yield return new("transformer_layers_per_block", $"must be >= 1, got {TransformerLayersPerBlock}");
        if (!(NormEps > 0)) yield return new("norm_eps", $"must be > 0, got {NormEps.ToString(CultureInfo.InvariantCulture)}");
        if (!(Dropout >= 0 && Dropout < 1)) yield return new("dropout", $"must be in [0, 1), got {Dropout.ToString(CultureInfo.InvariantCulture)}");
        if (double.IsNaN(FreqShift) || FreqShift >= BlockOutChannels[0] / 2)
            yield return new("freq_shift", $"must be below half the timestep-embedding width ({BlockOutChannels[0] / 2}), got {FreqShift.ToString(CultureInfo.InvariantCulture)}");
        if (ActFn != "silu") yield return new("act_fn", $"only \"silu\" is implemented, got \"{ActFn}\"");
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad field and value.</summary>
    public void Validate() => ConfigProblem.ThrowIfAny(nameof(UNet2DConditionConfig), Problems());

    /// <summary>
    /// Fields of diffusers' <c>UNet2DConditionModel</c> config this record does not model, with the value that gives the
    /// network built here (diffusers' defaults, SD-1.x's values); <c>upcast_attention</c> only matters in half
    /// precision and <c>addition_embed_type_num_heads</c> only with an addition embedding, so they may take any value.
    /// </summary>
    internal static IReadOnlyList<DiffusersField> OtherDiffusersFields { get; } =
    [
        DiffusersField.Fixed("center_input_sample", "false"),
        DiffusersField.Fixed("downsample_padding", "1"),
        DiffusersField.Fixed("mid_block_scale_factor", "1"),
        DiffusersField.Fixed("mid_block_type", "\"UNetMidBlock2DCrossAttn\""),
        DiffusersField.Fixed("only_cross_attention", "false"),
        DiffusersField.Fixed("dual_cross_attention", "false"),
        DiffusersField.Fixed("resnet_time_scale_shift", "\"default\""),
        DiffusersField.Fixed("resnet_skip_time_act", "false"),
        DiffusersField.Fixed("resnet_out_scale_factor", "1"),
        DiffusersField.Fixed("time_embedding_type", "\"positional\""),
        DiffusersField.Fixed("time_embedding_dim", "null"),
        DiffusersField.Fixed("time_embedding_act_fn", "null"),
        DiffusersField.Fixed("timestep_post_act", "null"),
        DiffusersField.Fixed("time_cond_proj_dim", "null"),
        DiffusersField.Fixed("conv_in_kernel", "3"),
        DiffusersField.Fixed("conv_out_kernel", "3"),
        DiffusersField.Fixed("class_embed_type", "null"),
        DiffusersField.Fixed("num_class_embeds", "null"),
        DiffusersField.Fixed("projection_class_embeddings_input_dim", "null"),
        DiffusersField.Fixed("class_embeddings_concat", "false"),
        DiffusersField.Fixed("addition_embed_type", "null"),
        DiffusersField.Fixed("addition_time_embed_dim", "null"),
        DiffusersField.Fixed("encoder_hid_dim", "null"),
        DiffusersField.Fixed("encoder_hid_dim_type", "null"),
        DiffusersField.Fixed("cross_attention_norm", "null"),
        DiffusersField.Fixed("mid_block_only_cross_attention", "null"),
        DiffusersField.Fixed("attention_type", "\"default\""),
        DiffusersField.Fixed("reverse_transformer_layers_per_block", "null"),
        DiffusersField.WithoutEffect("upcast_attention"),
        DiffusersField.WithoutEffect("addition_embed_type_num_heads"),
    ];

    /// <summary>Reads a diffusers <c>unet/config.json</c>; <paramref name="source"/> names the file in errors.</summary>
    public static UNet2DConditionConfig FromJson(string json, string source)
    {
        var config = ConfigJson.Read<UNet2DConditionConfig>(json, source, OtherDiffusersFields);
        ConfigProblem.ThrowIfAnyInFile(source, config.Problems());
        return config;
    }

    /// <summary>Reads and validates a diffusers <c>unet/config.json</c> file.</summary>
    public static UNet2DConditionConfig Load(string path) => FromJson(File.ReadAllText(path), path);

    /// <summary>This config as diffusers-style JSON.</summary>
    public string ToJson() => ConfigJson.Write(this);
}
