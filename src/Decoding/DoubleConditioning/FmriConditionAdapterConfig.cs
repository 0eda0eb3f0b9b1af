using System.Text.Json.Serialization;

namespace Decoding.DoubleConditioning;

/// <summary>
/// Shapes of the stage-B conditioning adapter (MinD-Vis "double-conditioned LDM").
/// Defaults are the paper's: the brain encoder's patch tokens (L x 1024) become a 77 x 512 cross-attention
/// context, and a second path gives a 768-wide vector added to the UNet's timestep embedding.
/// </summary>
public sealed record FmriConditionAdapterConfig
{
    /// <summary>Number of patch tokens the brain encoder outputs (its CLS token excluded), L.</summary>
    [JsonPropertyName("fmri_seq_len")] public int FmriSequenceLength { get; init; } = 292;

    /// <summary>Width of the brain encoder's tokens (its embed dim; 1024 in the paper).</summary>
    [JsonPropertyName("fmri_latent_dim")] public int FmriLatentDim { get; init; } = 1024;

    /// <summary>Number of context tokens given to cross-attention (77, the CLIP text length, in the paper).</summary>
    [JsonPropertyName("context_tokens")] public int ContextTokens { get; init; } = 77;

    /// <summary>Width of each context token: the UNet's cross_attention_dim (512 in the paper's LDM).</summary>
    [JsonPropertyName("cross_attention_dim")] public int CrossAttentionDim { get; init; } = 512;

    /// <summary>Width of the UNet's timestep embedding the second path adds to (768 in the paper); 0 disables the path.</summary>
    [JsonPropertyName("time_embed_dim")] public int TimeEmbedDim { get; init; } = 768;

    /// <summary>Which mapping: the paper's token-axis Conv1d mapping, or a simpler CLS-pooled one for comparison.</summary>
    [JsonPropertyName("kind")] public FmriAdapterKind Kind { get; init; } = FmriAdapterKind.TokenConv;

    /// <summary>
    /// Whether the brain encoder runs with its CLS token among the tokens (stage A's pretraining layout; the adapter then
    /// takes the L patch tokens after it) or on the L patch tokens alone, as MinD-Vis's stage-B encoder does (the CLS
    /// token takes no part in attention there, so the patch tokens differ). Absent in models written before this field:
    /// true, what they were trained with.
    /// </summary>
    [JsonPropertyName("cls_token_in_encoder")] public bool ClsTokenInEncoder { get; init; } = true;

    /// <summary>Checks every field; the message names the bad field and value.</summary>
    public FmriConditionAdapterConfig Validate()
    {
        Positive(FmriSequenceLength, "fmri_seq_len");
        Positive(FmriLatentDim, "fmri_latent_dim");
        Positive(ContextTokens, "context_tokens");
        Positive(CrossAttentionDim, "cross_attention_dim");
        if (TimeEmbedDim < 0) throw new ArgumentException($"adapter config: time_embed_dim must be >= 0 (0 disables the time path), got {TimeEmbedDim}");
        if (Kind == FmriAdapterKind.TokenConv && FmriSequenceLength < 2)
            throw new ArgumentException($"adapter config: the token-conv adapter maps L -> L/2 -> tokens and needs fmri_seq_len >= 2, got {FmriSequenceLength}");
        if (Kind == FmriAdapterKind.PooledCls && !ClsTokenInEncoder)
            throw new ArgumentException("adapter config: the pooled-cls adapter reads the CLS token, so cls_token_in_encoder must be true");
        return this;

        static void Positive(int v, string name)
        {
            if (v <= 0) throw new ArgumentException($"adapter config: {name} must be positive, got {v}");
        }
    }
}

/// <summary>How the brain latent is mapped into the diffusion model's conditioning.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FmriAdapterKind>))]
public enum FmriAdapterKind
{
    /// <summary>MinD-Vis: Conv1d over the token axis (L -> L/2 -> tokens) then Linear over the width.</summary>
    TokenConv,

    /// <summary>Comparison baseline: the CLS token alone, projected by a Linear to tokens x width.</summary>
    PooledCls,
}
