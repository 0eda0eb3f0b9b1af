using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Decoding.DoubleConditioning;

/// <summary>
/// Stage B of MinD-Vis (Chen et al., CVPR 2023, Sec. 3.3 "double-conditioned LDM"): maps the masked brain
/// autoencoder's token sequence into the latent diffusion model's two conditioning inputs.
/// <list type="number">
/// <item>Cross-attention context (where Stable Diffusion puts its text): the L patch tokens are mixed along the
/// token axis by Conv1d(L -> L/2, k=1) and Conv1d(L/2 -> T, k=1), then each token's width is projected by
/// Linear(D_fmri -> D_ctx): (B, L, D_fmri) -> (B, T, D_ctx).</item>
/// <item>Time-embedding path: the context is reduced along the token axis by Conv1d(T -> T/2) and Conv1d(T/2 -> 1),
/// then Linear(D_ctx -> D_time): (B, T, D_ctx) -> (B, D_time), added to the UNet's timestep embedding.</item>
/// </list>
/// A learned null brain context (and the time vector the time path makes of it, as MinD-Vis applies its time path to
/// whatever context it is given) stands in for "no fMRI", so that condition dropout during training makes
/// classifier-free guidance possible at sampling time.
/// With <see cref="FmriAdapterKind.PooledCls"/> the context is instead a Linear projection of the CLS token alone.
/// </summary>
public sealed class FmriConditionAdapter : Module<Tensor, FmriCondition>
{
    // Token path (MinD-Vis "channel_mapper" + "dim_mapper"); field names are checkpoint keys.
    private readonly Sequential? channel_mapper;
    private readonly Linear? dim_mapper;
    private readonly Linear? pooled_mapper;
    // Time path (second conditioning).
    private readonly Sequential? time_channel_mapper;
    private readonly Linear? time_dim_mapper;
    // Learned unconditional context for classifier-free guidance, (1, T, D_ctx).
    private readonly Parameter null_context;

    /// <param name="config">Shapes; validated here.</param>
    /// <param name="generator">Draws the null context's initial values; the mapping layers use TorchSharp's default
    /// initialisation, seeded once by the entry point.</param>
    public FmriConditionAdapter(FmriConditionAdapterConfig config, Generator? generator = null) : base(nameof(FmriConditionAdapter))
    {
        Config = config.Validate();
        int l = config.FmriSequenceLength, t = config.ContextTokens;
        if (config.Kind == FmriAdapterKind.TokenConv)
        {
            channel_mapper = Sequential(
                Conv1d(l, Math.Max(l / 2, 1), 1),
                Conv1d(Math.Max(l / 2, 1), t, 1));
            dim_mapper = Linear(config.FmriLatentDim, config.CrossAttentionDim);
        }
        else
        {
            pooled_mapper = Linear(config.FmriLatentDim, (long)t * config.CrossAttentionDim);
        }
        if (config.TimeEmbedDim > 0)
        {
            time_channel_mapper = Sequential(
                Conv1d(t, Math.Max(t / 2, 1), 1),
                Conv1d(Math.Max(t / 2, 1), 1, 1));
            time_dim_mapper = Linear(config.CrossAttentionDim, config.TimeEmbedDim);
        }
        null_context = Parameter(zeros(1, t, config.CrossAttentionDim));
        RegisterComponents();
        using (no_grad())
        {
            // Small random start so the null context differs from any real context from step 0 (init as CLIP's token embedding, N(0, 0.02)).
            null_context.normal_(0, 0.02, generator);
        }
    }

    public FmriConditionAdapterConfig Config { get; }

    /// <summary>The L patch tokens (B, L, D_fmri) of the encoder's output, after its CLS token when it has one.</summary>
    public Tensor Patches(Tensor brainTokens)
    {
        CheckTokens(brainTokens);
        return Config.ClsTokenInEncoder ? brainTokens[.., 1.., ..] : brainTokens;
    }

    /// <summary>
    /// Maps brain tokens to conditioning. <paramref name="brainTokens"/> is the encoder output as
    /// <c>MaskedBrainAutoencoder.Encode</c> returns it: (B, 1 + L, D_fmri) with the CLS token first, or (B, L, D_fmri)
    /// when the config says the encoder runs without it (<see cref="FmriConditionAdapterConfig.ClsTokenInEncoder"/>).
    /// </summary>
    public override FmriCondition forward(Tensor brainTokens)
    {
        using var scope = NewDisposeScope();
        CheckTokens(brainTokens);

        Tensor context;
        if (Config.Kind == FmriAdapterKind.TokenConv)
        {
            var patches = Patches(brainTokens);                     // (B, L, D_fmri): CLS dropped when there is one
            var mixed = channel_mapper!.forward(patches);           // (B, T, D_fmri): Conv1d channels = token axis
            context = dim_mapper!.forward(mixed);                   // (B, T, D_ctx)
        }
        else
        {
            var cls = brainTokens[.., 0, ..];                       // (B, D_fmri)
            context = pooled_mapper!.forward(cls)
                .reshape(cls.shape[0], Config.ContextTokens, Config.CrossAttentionDim); // (B, T, D_ctx)
        }
        var time = TimeVector(context);
        return new FmriCondition(context.MoveToOuterDisposeScope(), time?.MoveToOuterDisposeScope());
    }

    private void CheckTokens(Tensor brainTokens)
    {
        long expectedTokens = Config.FmriSequenceLength + (Config.ClsTokenInEncoder ? 1 : 0);
        if (brainTokens.dim() != 3 || brainTokens.shape[1] != expectedTokens || brainTokens.shape[2] != Config.FmriLatentDim)
            throw new ArgumentException(
                $"adapter input: expected brain tokens (B, {expectedTokens}, {Config.FmriLatentDim}) ({(Config.ClsTokenInEncoder ? "CLS + " : "")}{Config.FmriSequenceLength} patches), got ({string.Join(", ", brainTokens.shape)})");
    }

    /// <summary>The learned "no fMRI" conditioning for a batch: null context (B, T, D_ctx) and its time vector.</summary>
    public FmriCondition NullCondition(long batch)
    {
        using var scope = NewDisposeScope();
        var context = null_context.expand(batch, -1, -1);
        var time = TimeVector(context);
        return new FmriCondition(context.MoveToOuterDisposeScope(), time?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Condition dropout for classifier-free guidance: each sample's conditioning is replaced by the null
    /// conditioning with probability <paramref name="probability"/>, drawn from <paramref name="generator"/>.
    /// </summary>
    public FmriCondition DropConditions(FmriCondition condition, double probability, Generator generator)
    {
        if (probability <= 0) return condition;
        using var scope = NewDisposeScope();
        long b = condition.Context.shape[0];
        var drop = rand(new long[] { b }, generator: generator).lt(probability); // (B)
        var nullCondition = NullCondition(b);
        var context = where(drop.view(b, 1, 1), nullCondition.Context, condition.Context);
        Tensor? time = null;
        if (condition.TimeEmbedding is not null)
            time = where(drop.view(b, 1), nullCondition.TimeEmbedding!, condition.TimeEmbedding);
        return new FmriCondition(context.MoveToOuterDisposeScope(), time?.MoveToOuterDisposeScope());
    }

    private Tensor? TimeVector(Tensor context)
    {
        if (time_channel_mapper is null) return null;
        var pooled = time_channel_mapper.forward(context).squeeze(1); // (B, 1, D_ctx) -> (B, D_ctx)
        return time_dim_mapper!.forward(pooled);                      // (B, D_time)
    }
}

/// <summary>The conditioning the UNet receives: cross-attention context (B, T, D_ctx) and an optional vector added to its time embedding (B, D_time).</summary>
public sealed record FmriCondition(Tensor Context, Tensor? TimeEmbedding);
