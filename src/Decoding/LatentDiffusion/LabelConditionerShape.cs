using System.Text.Json.Serialization;
using Decoding.Conditioning;

namespace Decoding.LatentDiffusion;

/// <summary>
/// The widths of a <see cref="LabelConditioner"/>, without its vocabulary size, which comes from the class names of
/// the data it is trained on. Field names as in <see cref="LabelConditionerConfig"/> (transformers' CLIPTextConfig).
/// </summary>
public sealed record LabelConditionerShape
{
    /// <summary>Context width D (must equal the UNet's cross_attention_dim).</summary>
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 128;

    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 512;

    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 4;

    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 4;

    /// <summary>Context tokens per prompt, L.</summary>
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = WordTokenizer.DefaultMaxLength;

    /// <summary>The conditioner config for a tokenizer's vocabulary, validated.</summary>
    public LabelConditionerConfig ToConfig(int vocabSize) => new LabelConditionerConfig
    {
        VocabSize = vocabSize,
        MaxPositionEmbeddings = MaxPositionEmbeddings,
        HiddenSize = HiddenSize,
        IntermediateSize = IntermediateSize,
        NumHiddenLayers = NumHiddenLayers,
        NumAttentionHeads = NumAttentionHeads,
    }.Validate();

    /// <summary>The widths of an existing conditioner config.</summary>
    public static LabelConditionerShape From(LabelConditionerConfig config) => new()
    {
        HiddenSize = config.HiddenSize,
        IntermediateSize = config.IntermediateSize,
        NumHiddenLayers = config.NumHiddenLayers,
        NumAttentionHeads = config.NumAttentionHeads,
        MaxPositionEmbeddings = config.MaxPositionEmbeddings,
    };
}
