using Decoding.Models.Transformers;
using TorchSharp.Modules;
using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Models.Unet;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// The conditional denoising UNet of latent diffusion (Rombach et al. 2022, Sec. 3.3; Stable Diffusion 1.x;
/// diffusers <c>UNet2DConditionModel</c>). Parameter names equal diffusers' state-dict keys, so a diffusers
/// checkpoint maps one to one.
/// <code>
///   emb = time_embedding(time_proj(t)) [+ addedTimeEmbedding]      timestep (and MinD-Vis' second condition)
///   h = conv_in(z_t);  skips = [h]
///   for each down block: h = resnets/attentions/downsampler(h), pushing skips
///   h = mid_block(h)
///   for each up block: h = resnets([h, skips.pop()])/attentions/upsampler(h)
///   ε̂ = conv_out(SiLU(conv_norm_out(h)))
/// </code>
/// Cross-attention layers attend to the context <c>encoderHiddenStates</c> (text tokens in SD; the fMRI
/// embedding's 77 tokens in MinD-Vis).
/// </summary>
public sealed class UNet2DConditionModel : nn.Module
{
    private readonly Conv2d conv_in;
    private readonly Timesteps time_proj;
    private readonly TimestepEmbedding time_embedding;
    private readonly ModuleList<UNetDownBlock> down_blocks;
    private readonly UNetMidBlock2DCrossAttn mid_block;
    private readonly ModuleList<UNetUpBlock> up_blocks;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;
    private readonly List<Attention> crossAttentions;
    private readonly List<Attention> selfAttentions;
    private IAttentionControl? attentionControl;
    private ISelfAttentionControl? selfAttentionControl;

    /// <param name="config">Validated here; an invalid config throws <see cref="ArgumentException"/> naming the field.</param>
    /// <param name="device">Device for the parameters (null: the default device; <c>torch.device("meta")</c>:
    /// shapes only, no memory).</param>
    public UNet2DConditionModel(UNet2DConditionConfig config, Device? device = null) : base(nameof(UNet2DConditionModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var widths = config.BlockOutChannels;
        int levels = widths.Length;

        conv_in = nn.Conv2d(config.InChannels, widths[0], 3, padding: 1, device: device);
        time_proj = new Timesteps(widths[0], config.FlipSinToCos, config.FreqShift);
        time_embedding = new TimestepEmbedding(widths[0], config.TimeEmbeddingDim, device);

        var down = new UNetDownBlock[levels];
        for (int i = 0; i < levels; i++)
        {
            long input = i == 0 ? widths[0] : widths[i - 1];
            bool isFinal = i == levels - 1;
            down[i] = config.DownBlockTypes[i] == UNet2DConditionConfig.CrossAttnDownBlock2D
                ? new CrossAttnDownBlock2D(input, widths[i], !isFinal, config, device)
                : new DownBlock2D(input, widths[i], !isFinal, config, device);
        }
        down_blocks = nn.ModuleList(down);

        mid_block = new UNetMidBlock2DCrossAttn(widths[^1], config, device);

        var reversed = widths.Reverse().ToArray();
        var up = new UNetUpBlock[levels];
        long previous = reversed[0];
        for (int i = 0; i < levels; i++)
        {
            long output = reversed[i];
            long skipInput = reversed[Math.Min(i + 1, levels - 1)];
            bool isFinal = i == levels - 1;
            up[i] = config.UpBlockTypes[i] == UNet2DConditionConfig.CrossAttnUpBlock2D
                ? new CrossAttnUpBlock2D(skipInput, previous, output, !isFinal, config, device)
                : new UpBlock2D(skipInput, previous, output, !isFinal, config, device);
            previous = output;
        }
        up_blocks = nn.ModuleList(up);

        conv_norm_out = Layers.GroupNorm(config.NormNumGroups, widths[0], config.NormEps, device);
        conv_out = nn.Conv2d(widths[0], config.OutChannels, 3, padding: 1, device: device);
        RegisterComponents();

        // Every attention learns its state-dict prefix, which the attention control receives as the layer name.
        crossAttentions = [];
        selfAttentions = [];
        foreach (var (name, module) in named_modules())
        {
            if (module is not Attention attention) continue;
            attention.LayerName = name;
            if (name.EndsWith(".attn2", StringComparison.Ordinal)) crossAttentions.Add(attention);
            else if (name.EndsWith(".attn1", StringComparison.Ordinal)) selfAttentions.Add(attention);
        }
    }

    /// <summary>The validated configuration.</summary>
    public UNet2DConditionConfig Config { get; }

    /// <summary>Width of the timestep embedding (4 x block_out_channels[0]; 1280 for SD), i.e. of <c>addedTimeEmbedding</c>.</summary>
    public int TimeEmbeddingDim => Config.TimeEmbeddingDim;

    /// <summary>State-dict prefixes of the cross-attention (attn2) layers, in call order.</summary>
    public IReadOnlyList<string> CrossAttentionLayerNames => crossAttentions.Select(a => a.LayerName).ToList();

    /// <summary>
    /// Hook called at every cross-attention (attn2) with the attention probabilities, which it may replace;
    /// null (the default) computes attention with scaled_dot_product_attention.
    /// </summary>
    public IAttentionControl? AttentionControl
    {
        get => attentionControl;
        set
        {
            attentionControl = value;
            foreach (var attention in crossAttentions) attention.Control = value;
        }
    }

    /// <summary>State-dict prefixes of the self-attention (attn1) layers, in call order.</summary>
    public IReadOnlyList<string> SelfAttentionLayerNames => selfAttentions.Select(a => a.LayerName).ToList();

    /// <summary>
    /// Hook called at every self-attention (attn1) with the probabilities between latent positions, which it may
    /// replace; null (the default) computes attention with scaled_dot_product_attention.
    /// </summary>
    public ISelfAttentionControl? SelfAttentionControl
    {
        get => selfAttentionControl;
        set
        {
            selfAttentionControl = value;
            foreach (var attention in selfAttentions) attention.SelfControl = value;
        }
    }

    /// <summary>Predicts the noise (or whatever the model was trained to predict) for a noisy latent.</summary>
    /// <param name="sample">Noisy latent z_t: (B, in_channels, H, W).</param>
    /// <param name="timestep">Timesteps: a scalar (0-d or one element) for the whole batch, or (B).</param>
    /// <param name="encoderHiddenStates">Cross-attention context: (B, L, cross_attention_dim).</param>
    /// <param name="addedTimeEmbedding">Optional (B, time_embed_dim) added to the timestep embedding
    /// (MinD-Vis' second conditioning path); null adds nothing.</param>
    /// <returns>(B, out_channels, H, W)</returns>
    public Tensor Forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, Tensor? addedTimeEmbedding = null)
    {
        CheckInputs(sample, timestep, encoderHiddenStates, addedTimeEmbedding);
        long batch = sample.shape[0];
        using var scope = NewDisposeScope();

        // 1. Timestep embedding (plus the optional extra conditioning vector).
        var t = timestep.ndim == 0 || timestep.numel() == 1
            ? timestep.reshape(1).expand(batch)
            : timestep;                                                     // (B)
        var timeFeatures = time_proj.Forward(t.to(sample.device)).to_type(sample.dtype); // (B, block_out_channels[0])
        var emb = time_embedding.Forward(timeFeatures);                     // (B, time_embed_dim)
        if (addedTimeEmbedding is not null) emb = emb.Plus(addedTimeEmbedding);

        // 2. Contracting path; every intermediate output is kept as a skip connection.
        var h = OneDnnChannelPadding.Conv2d(conv_in, sample);
        var skips = new Stack<Tensor>();
        skips.Push(h);
        foreach (var block in down_blocks) h = block.Forward(h, emb, encoderHiddenStates, skips);

        // 3. Bottleneck.
        h = mid_block.Forward(h, emb, encoderHiddenStates);

        // 4. Expanding path, consuming the skip connections in reverse order.
        foreach (var block in up_blocks) h = block.Forward(h, skips, emb, encoderHiddenStates);

        // 5. Output head.
        var output = OneDnnChannelPadding.Conv2d(conv_out, nn.functional.silu(conv_norm_out.forward(h)));
        return output.MoveToOuterDisposeScope();
    }

    private void CheckInputs(Tensor sample, Tensor timestep, Tensor context, Tensor? added)
    {
        static string Shape(Tensor x) => "[" + string.Join(", ", x.shape) + "]";
        if (sample.ndim != 4 || sample.shape[1] != Config.InChannels)
            throw new ArgumentException($"UNet2DConditionModel.Forward: sample must be (B, {Config.InChannels}, H, W), got {Shape(sample)}", nameof(sample));
        long batch = sample.shape[0];
        if (!(timestep.ndim == 0 || timestep.numel() == 1 || (timestep.ndim == 1 && timestep.shape[0] == batch)))
            throw new ArgumentException($"UNet2DConditionModel.Forward: timestep must be a scalar or ({batch}), got {Shape(timestep)}", nameof(timestep));
        if (context.ndim != 3 || context.shape[0] != batch || context.shape[2] != Config.CrossAttentionDim)
            throw new ArgumentException($"UNet2DConditionModel.Forward: encoderHiddenStates must be ({batch}, L, {Config.CrossAttentionDim}), got {Shape(context)}", "encoderHiddenStates");
        if (added is not null && (added.ndim != 2 || added.shape[0] != batch || added.shape[1] != TimeEmbeddingDim))
            throw new ArgumentException($"UNet2DConditionModel.Forward: addedTimeEmbedding must be ({batch}, {TimeEmbeddingDim}), got {Shape(added)}", "addedTimeEmbedding");
    }
}
