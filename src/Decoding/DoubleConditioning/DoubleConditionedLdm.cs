using Decoding.Models.Unet;
using Fmri.MaskedBrainModeling;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Decoding.DoubleConditioning;

#pragma warning disable IDE1006 // field names are the checkpoint keys

/// <summary>
/// MinD-Vis's double-conditioned latent diffusion model (DC-LDM, Chen et al. CVPR 2023, Sec. 3.3), the trainable part:
/// <code>
///   tokens    = brain_encoder.Encode(voxels)                (B, 1 + L, D_fmri)   SC-MBM encoder, CLS first
///   c, e      = adapter(tokens)                             (B, T, D_ctx), (B, D_time)
///   ε̂         = unet(z_t, t, context = c, added time embedding = e)
/// </code>
/// The first stage (autoencoder) is frozen and kept outside this module. Checkpoint keys: <c>brain_encoder.*</c>,
/// <c>adapter.*</c>, <c>unet.*</c>.
/// </summary>
public sealed class DoubleConditionedLdm : Module
{
    private readonly MaskedBrainAutoencoder brain_encoder;
    private readonly FmriConditionAdapter adapter;
    private readonly UNet2DConditionModel unet;

    public DoubleConditionedLdm(DoubleConditionedLdmConfig config, MaskedBrainAutoencoder brainEncoder, FmriConditionAdapter adapter,
        UNet2DConditionModel unet) : base(nameof(DoubleConditionedLdm))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        brain_encoder = brainEncoder ?? throw new ArgumentNullException(nameof(brainEncoder));
        this.adapter = adapter ?? throw new ArgumentNullException(nameof(adapter));
        this.unet = unet ?? throw new ArgumentNullException(nameof(unet));
        if (adapter.Config.FmriSequenceLength != brainEncoder.Config.NumPatches || adapter.Config.FmriLatentDim != brainEncoder.Config.EmbedDim)
            throw new ArgumentException($"DC-LDM: the adapter reads ({adapter.Config.FmriSequenceLength} x {adapter.Config.FmriLatentDim}) tokens but the brain encoder gives ({brainEncoder.Config.NumPatches} x {brainEncoder.Config.EmbedDim})");
        if (adapter.Config.CrossAttentionDim != unet.Config.CrossAttentionDim || adapter.Config.TimeEmbedDim != unet.TimeEmbeddingDim)
            throw new ArgumentException($"DC-LDM: the adapter gives context width {adapter.Config.CrossAttentionDim} and time width {adapter.Config.TimeEmbedDim}; the UNet takes {unet.Config.CrossAttentionDim} and {unet.TimeEmbeddingDim}");
        RegisterComponents();
    }

    public DoubleConditionedLdmConfig Config { get; }
    public MaskedBrainAutoencoder BrainEncoder => brain_encoder;
    public FmriConditionAdapter Adapter => adapter;
    public UNet2DConditionModel Unet => unet;

    /// <summary>Voxels (B, V) → conditioning: context (B, T, D_ctx) and added time embedding (B, D_time).</summary>
    public FmriCondition Condition(Tensor voxels, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var tokens = brain_encoder.Encode(voxels, withClsToken: adapter.Config.ClsTokenInEncoder, generator);   // (B, 1 + L, D_fmri), or (B, L, D_fmri)
        var condition = adapter.forward(tokens);
        return new FmriCondition(condition.Context.MoveToOuterDisposeScope(), condition.TimeEmbedding?.MoveToOuterDisposeScope());
    }

    /// <summary>The UNet's prediction for noisy latents under a conditioning.</summary>
    public Tensor PredictNoise(Tensor noisyLatents, Tensor timesteps, FmriCondition condition)
        => unet.Forward(noisyLatents, timesteps, condition.Context, condition.TimeEmbedding);

    /// <summary>
    /// Sets requires_grad on every parameter for <paramref name="parts"/> and returns the trainable ones (by name), the
    /// only ones to give the optimiser. The brain encoder's MBM decoder (unused here) is always frozen.
    /// </summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> SetTrainable(TrainableParts parts)
    {
        var trainable = new List<(string, Parameter)>();
        foreach (var (name, parameter) in named_parameters())
        {
            bool train = IsTrainable(name, parts);
            parameter.requires_grad = train;
            if (train) trainable.Add((name, parameter));
        }
        return trainable;
    }

    /// <summary>Whether parameter <paramref name="name"/> (a key of this module) is trained under <paramref name="parts"/>.</summary>
    public static bool IsTrainable(string name, TrainableParts parts)
    {
        if (name.StartsWith("adapter.", StringComparison.Ordinal)) return true;
        if (name.StartsWith("brain_encoder.", StringComparison.Ordinal))
        {
            string local = name["brain_encoder.".Length..];
            bool decoderPart = local.StartsWith("decoder_", StringComparison.Ordinal) || local == "mask_token";
            return parts != TrainableParts.AdapterOnly && !decoderPart;
        }
        if (name.StartsWith("unet.", StringComparison.Ordinal))
            return parts switch
            {
                TrainableParts.All => true,
                TrainableParts.MindVis => TrainablePartsRules.IsMindVisUnetParameter(name["unet.".Length..]),
                _ => false,
            };
        throw new ArgumentException($"DC-LDM: parameter '{name}' belongs to no known part");
    }
}
