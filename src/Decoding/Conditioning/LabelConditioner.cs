using TorchSharp;
using TorchSharp.Modules;
using Fmri.Core.Torch;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Decoding.Conditioning;

/// <summary>
/// Turns class-name prompts into a cross-attention context for the diffusion UNet, the way a CLIP text encoder does
/// for Stable Diffusion: token embedding + learned position embedding, pre-norm transformer encoder layers
/// (padded positions masked as keys), final LayerNorm. Output: (B, L, D) with L = max_position_embeddings and
/// D = hidden_size. The fMRI condition adapter fills the same slot later: the UNet sees only a (B, L, D) context.
/// A learned null context (<see cref="NullContext"/>) stands in for "no condition" so that dropping conditions in
/// training enables classifier-free guidance at sampling time.
/// Parameter names follow transformers' CLIP text model (token_embedding, position_embedding,
/// layers.N.self_attn.q_proj, layers.N.mlp.fc1, final_layer_norm).
/// </summary>
public sealed class LabelConditioner : Module<Tensor, Tensor>
{
    // Field names are checkpoint keys, declared in the order they are called.
    private readonly Embedding token_embedding;
    private readonly Embedding position_embedding;
    private readonly ModuleList<TextEncoderLayer> layers;
    private readonly LayerNorm final_layer_norm;
    private readonly Parameter null_context; // (1, L, D)

    /// <param name="config">Shapes; validated here.</param>
    /// <param name="tokenizer">Tokenizer whose vocabulary size and length match the config.</param>
    /// <param name="generator">Source of every initial weight.</param>
    public LabelConditioner(LabelConditionerConfig config, WordTokenizer tokenizer, Generator generator) : base(nameof(LabelConditioner))
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(generator);
        Config = config.Validate();
        if (tokenizer.VocabularySize != config.VocabSize)
            throw new ArgumentException($"label conditioner: config vocab_size {config.VocabSize} differs from the tokenizer's vocabulary size {tokenizer.VocabularySize}");
        if (tokenizer.MaxLength != config.MaxPositionEmbeddings)
            throw new ArgumentException($"label conditioner: config max_position_embeddings {config.MaxPositionEmbeddings} differs from the tokenizer's max length {tokenizer.MaxLength}");
        Tokenizer = tokenizer;

        token_embedding = Embedding(config.VocabSize, config.HiddenSize);
        position_embedding = Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        layers = new ModuleList<TextEncoderLayer>(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(_ => new TextEncoderLayer(config.HiddenSize, config.NumAttentionHeads, config.IntermediateSize, config.LayerNormEps))
            .ToArray());
        final_layer_norm = LayerNorm(config.HiddenSize, config.LayerNormEps);
        null_context = Parameter(zeros(1, config.MaxPositionEmbeddings, config.HiddenSize));
        RegisterComponents();
        Initialize(generator);
    }

    public LabelConditionerConfig Config { get; }

    public WordTokenizer Tokenizer { get; }

    /// <summary>Context tokens per prompt, L.</summary>
    public int ContextLength => Config.MaxPositionEmbeddings;

    /// <summary>Context width, D (the UNet's cross_attention_dim).</summary>
    public int ContextWidth => Config.HiddenSize;

    /// <summary>Encodes prompts (e.g. class names) into a context (B, L, D) on the module's device.</summary>
    public Tensor Encode(IReadOnlyList<string> prompts)
    {
        using var scope = NewDisposeScope();
        var ids = Tokenizer.EncodeBatch(prompts).to(token_embedding.weight!.device); // (B, L)
        return forward(ids).MoveToOuterDisposeScope();
    }

    /// <summary>Token ids (B, L) int64 -> context (B, L, D).</summary>
    public override Tensor forward(Tensor tokenIds)
    {
        if (tokenIds.dim() != 2 || tokenIds.shape[1] != ContextLength)
            throw new ArgumentException($"label conditioner: expected token ids (B, {ContextLength}), got ({string.Join(", ", tokenIds.shape)})");
        using var scope = NewDisposeScope();
        using var padId = WordTokenizer.PadId.ToScalar();                                       // kept alive through the call (see ScalarArithmetic)
        var keyMask = tokenIds.ne(padId);                                                        // (B, L): true = real token
        var positions = ScalarArithmetic.Arange(0, ContextLength, ScalarType.Int64, tokenIds.device); // (L)
        var h = token_embedding.forward(tokenIds).Plus(position_embedding.forward(positions));  // (B, L, D) + (L, D)
        foreach (var layer in layers) h = layer.forward(h, keyMask);                             // (B, L, D)
        return final_layer_norm.forward(h).MoveToOuterDisposeScope();                            // (B, L, D)
    }

    /// <summary>The learned "no condition" context for a batch, (B, L, D).</summary>
    public Tensor NullContext(long batch)
    {
        if (batch <= 0) throw new ArgumentException($"label conditioner: batch must be positive, got {batch}");
        return null_context.expand(batch, -1, -1);
    }

    /// <summary>
    /// Condition dropout for classifier-free guidance: each sample's context is replaced by the null context with
    /// probability <paramref name="probability"/>, drawn from <paramref name="generator"/>.
    /// </summary>
    public Tensor DropContexts(Tensor context, double probability, Generator generator)
    {
        if (!(probability >= 0 && probability <= 1)) throw new ArgumentException($"label conditioner: drop probability must be in [0, 1], got {probability}");
        using var scope = NewDisposeScope();
        long b = context.shape[0];
        var drop = rand(new long[] { b }, generator: generator).lt(probability).to(context.device).view(b, 1, 1); // (B, 1, 1)
        return where(drop, NullContext(b), context).MoveToOuterDisposeScope();                                     // (B, L, D)
    }

    /// <summary>
    /// CLIP's initialisation (transformers <c>CLIPPreTrainedModel._init_weights</c>), drawn from <paramref name="generator"/>:
    /// embeddings N(0, 0.02 f); q/k/v N(0, D^-1/2 (2 layers)^-1/2 f); out_proj N(0, D^-1/2 f); fc1 N(0, (2D)^-1/2 f);
    /// fc2 N(0, D^-1/2 (2 layers)^-1/2 f); biases 0; LayerNorm weight 1. The null context starts like a token embedding.
    /// </summary>
    private void Initialize(Generator generator)
    {
        double f = Config.InitializerFactor, d = Config.HiddenSize, depth = Config.NumHiddenLayers;
        double embeddingStd = 0.02 * f;
        double inProjStd = Math.Pow(d, -0.5) * Math.Pow(2 * depth, -0.5) * f;
        double outProjStd = Math.Pow(d, -0.5) * f;
        double fcStd = Math.Pow(2 * d, -0.5) * f;
        using var _ = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal)) p.zero_();
            else if (name.Contains("layer_norm", StringComparison.Ordinal)) p.fill_(1.0);
            else if (name is "token_embedding.weight" or "position_embedding.weight" or "null_context") p.normal_(0, embeddingStd, generator);
            else if (name.EndsWith("q_proj.weight") || name.EndsWith("k_proj.weight") || name.EndsWith("v_proj.weight")) p.normal_(0, inProjStd, generator);
            else if (name.EndsWith("out_proj.weight")) p.normal_(0, outProjStd, generator);
            else if (name.EndsWith("mlp.fc1.weight")) p.normal_(0, fcStd, generator);
            else if (name.EndsWith("mlp.fc2.weight")) p.normal_(0, inProjStd, generator);
            else throw new InvalidOperationException($"label conditioner: no initialisation rule for parameter '{name}'");
        }
    }
}
