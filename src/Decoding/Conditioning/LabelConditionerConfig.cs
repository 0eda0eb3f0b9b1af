using System.Text.Json.Serialization;

namespace Decoding.Conditioning;

/// <summary>
/// Shapes of the <see cref="LabelConditioner"/>, a small CLIP-style text encoder over class-name words.
/// Field names are those of transformers' <c>CLIPTextConfig</c>; the defaults are the <see cref="Small"/> preset
/// (CLIP ViT-B's text model has hidden 512, intermediate 2048, 12 layers, 8 heads, 77 positions; class names need far less).
/// </summary>
public sealed record LabelConditionerConfig
{
    /// <summary>Number of token ids (the tokenizer's vocabulary, special tokens included).</summary>
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 16;

    /// <summary>Tokens per prompt, L: the context length the UNet's cross-attention sees.</summary>
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 8;

    /// <summary>Width of every token, D: the context width (the UNet's <c>cross_attention_dim</c>).</summary>
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 128;

    /// <summary>Width of the MLP inside each encoder layer (4 x hidden in CLIP).</summary>
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 512;

    /// <summary>Number of pre-norm transformer encoder layers.</summary>
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 4;

    /// <summary>Attention heads per layer; must divide <see cref="HiddenSize"/>.</summary>
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 4;

    /// <summary>LayerNorm epsilon (CLIP: 1e-5).</summary>
    [JsonPropertyName("layer_norm_eps")] public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>Scale of the initial weights (CLIP's <c>initializer_factor</c>, 1.0).</summary>
    [JsonPropertyName("initializer_factor")] public double InitializerFactor { get; init; } = 1.0;

    /// <summary>For tests and quick runs: hidden 32, 2 layers, 2 heads.</summary>
    public static LabelConditionerConfig Tiny(int vocabSize, int maxPositionEmbeddings = WordTokenizer.DefaultMaxLength) => new()
    {
        VocabSize = vocabSize,
        MaxPositionEmbeddings = maxPositionEmbeddings,
        HiddenSize = 32,
        IntermediateSize = 128,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
    };

    /// <summary>For a class-conditional run on a small data set: hidden 128, 4 layers, 4 heads.</summary>
    public static LabelConditionerConfig Small(int vocabSize, int maxPositionEmbeddings = WordTokenizer.DefaultMaxLength) => new()
    {
        VocabSize = vocabSize,
        MaxPositionEmbeddings = maxPositionEmbeddings,
        HiddenSize = 128,
        IntermediateSize = 512,
        NumHiddenLayers = 4,
        NumAttentionHeads = 4,
    };

    /// <summary>Checks every field; the message names the bad field and value.</summary>
    public LabelConditionerConfig Validate()
    {
        Positive(VocabSize, "vocab_size");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentException($"label conditioner config: hidden_size ({HiddenSize}) must be divisible by num_attention_heads ({NumAttentionHeads})");
        if (!(LayerNormEps > 0)) throw new ArgumentException($"label conditioner config: layer_norm_eps must be positive, got {LayerNormEps}");
        if (!(InitializerFactor > 0)) throw new ArgumentException($"label conditioner config: initializer_factor must be positive, got {InitializerFactor}");
        return this;

        static void Positive(int v, string name)
        {
            if (v <= 0) throw new ArgumentException($"label conditioner config: {name} must be positive, got {v}");
        }
    }
}
