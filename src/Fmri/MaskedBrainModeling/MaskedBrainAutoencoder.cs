using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using Fmri.Core.Torch;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// The sparse-coded masked brain autoencoder (SC-MBM, MinD-Vis stage A): an asymmetric MAE (He et al. 2022) over
/// 1-D voxel patches. Notation, for a batch of B voxel vectors of V voxels, patch size P, L = V / P patches:
/// <code>
///   tokens  = PatchEmbed(voxels) + pos[1:]                    (B, L, D)       fixed sine-cosine positions
///   visible = RandomMasking(tokens, ratio)                    (B, len_keep, D)
///   latent  = Norm(Blocks([cls + pos[0]; visible]))           (B, 1 + len_keep, D)
///   dec     = DecoderEmbed(latent), mask tokens appended, unshuffled with ids_restore, + decoder pos
///   pred    = DecoderPred(DecoderNorm(DecoderBlocks(dec)))[:, 1:]   (B, L, P)
///   loss    = MSE on masked patches (<see cref="MaskedPatchLoss"/>)
/// </code>
/// Parameter names follow MAE/MinD-Vis (<c>patch_embed.proj</c>, <c>cls_token</c>, <c>pos_embed</c>,
/// <c>blocks.N.*</c>, <c>norm</c>, <c>decoder_embed</c>, <c>mask_token</c>, <c>decoder_pos_embed</c>,
/// <c>decoder_blocks.N.*</c>, <c>decoder_norm</c>, <c>decoder_pred</c>) so state-dict keys match the reference
/// checkpoints. The two positional embeddings are persistent buffers (in the state dict, not trained).
/// </summary>
public sealed class MaskedBrainAutoencoder : Module
{
    // Encoder, in the order called.
    private readonly PatchEmbedding1D patch_embed;
    private readonly Parameter cls_token;
    private readonly Tensor pos_embed;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm norm;

    // Decoder, in the order called.
    private readonly Linear decoder_embed;
    private readonly Parameter mask_token;
    private readonly Tensor decoder_pos_embed;
    private readonly ModuleList<TransformerBlock> decoder_blocks;
    private readonly LayerNorm decoder_norm;
    private readonly Linear decoder_pred;

    /// <summary>
    /// Builds the model and initialises every weight from <paramref name="initGenerator"/> (MAE's scheme: see
    /// <see cref="MaeWeightInit"/>). On the <c>meta</c> device (shapes only, no storage) nothing is initialised
    /// and <paramref name="initGenerator"/> may be null.
    /// </summary>
    public MaskedBrainAutoencoder(MaskedBrainAutoencoderConfig config, Generator? initGenerator, Device? device = null)
        : base(nameof(MaskedBrainAutoencoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        bool onMeta = device is not null && device.type == DeviceType.META;
        if (!onMeta && initGenerator is null)
            throw new ArgumentException("an explicit initialisation generator is required (every random draw is seeded)", nameof(initGenerator));

        int d = config.EmbedDim, dd = config.DecoderEmbedDim, l = config.NumPatches;
        patch_embed = new PatchEmbedding1D(config.PatchSize, d, device);
        cls_token = Parameter(zeros(new long[] { 1, 1, d }, device: device));
        pos_embed = SinCosPositionalEmbedding.Create(d, l, withClsToken: true).unsqueeze(0).to(device ?? TorchDevice.Current);   // (1, 1 + L, D)
        blocks = ModuleList(Enumerable.Range(0, config.Depth)
            .Select(i => new TransformerBlock(d, config.NumHeads, config.MlpHiddenDim, config.DropRate,
                DropPathAt(config.DropPathRate, i, config.Depth), config.LayerNormEps, device))
            .ToArray());
        norm = LayerNorm(d, config.LayerNormEps, device: device);

        decoder_embed = Linear(d, dd, hasBias: true, device: device);
        mask_token = Parameter(zeros(new long[] { 1, 1, dd }, device: device));
        decoder_pos_embed = SinCosPositionalEmbedding.Create(dd, l, withClsToken: true).unsqueeze(0).to(device ?? TorchDevice.Current);   // (1, 1 + L, Dd)
        decoder_blocks = ModuleList(Enumerable.Range(0, config.DecoderDepth)
            .Select(_ => new TransformerBlock(dd, config.DecoderNumHeads, config.DecoderMlpHiddenDim, config.DropRate, 0.0,
                config.LayerNormEps, device))
            .ToArray());
        decoder_norm = LayerNorm(dd, config.LayerNormEps, device: device);
        decoder_pred = Linear(dd, config.PatchSize, hasBias: true, device: device);

        RegisterComponents();   // registers the Tensor fields pos_embed and decoder_pos_embed as persistent buffers

        if (!onMeta) InitializeWeights(initGenerator!);
    }

    /// <summary>The architecture this model was built with.</summary>
    public MaskedBrainAutoencoderConfig Config { get; }

    /// <summary>
    /// One pretraining pass: mask, encode, decode, score. <paramref name="generator"/> draws the masks (and dropout,
    /// when configured); <paramref name="maskRatio"/> overrides <see cref="MaskedBrainAutoencoderConfig.MaskRatio"/>.
    /// </summary>
    /// <param name="voxels">(B, V) voxel vectors, V = <see cref="MaskedBrainAutoencoderConfig.NumVoxels"/>.</param>
    /// <returns>Scalar loss, predicted patches (B, L, P) and the mask (B, L), 1 = masked.</returns>
    public (Tensor Loss, Tensor PredictedPatches, Tensor Mask) Forward(Tensor voxels, Generator generator, double? maskRatio = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        var (latent, mask, idsRestore) = ForwardEncoder(voxels, maskRatio ?? Config.MaskRatio, generator);
        var predicted = ForwardDecoder(latent, idsRestore, generator);
        var loss = MaskedPatchLoss.Compute(predicted, Patchify(voxels), mask, Config.NormalizePatchLoss);
        return (loss.MoveToOuterDisposeScope(), predicted.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Masked encoder: returns the latent tokens (B, 1 + len_keep, D) with the CLS token first, the mask (B, L)
    /// and ids_restore (B, L).
    /// </summary>
    public (Tensor Latent, Tensor Mask, Tensor IdsRestore) ForwardEncoder(Tensor voxels, double maskRatio, Generator generator)
    {
        CheckVoxels(voxels);
        using var scope = NewDisposeScope();
        var tokens = patch_embed.forward(voxels) + pos_embed.narrow(1, 1, Config.NumPatches);   // (B, L, D)
        var (visible, mask, idsRestore) = RandomPatchMasking.Apply(tokens, maskRatio, generator);  // (B, len_keep, D)
        var x = PrependClsToken(visible);                                                        // (B, 1 + len_keep, D)
        foreach (var block in blocks) x = block.forward(x, generator);
        x = norm.forward(x);
        return (x.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(), idsRestore.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Decoder: latent (B, 1 + len_keep, D) and ids_restore (B, L) to predicted patches (B, L, P) in the original order.
    /// </summary>
    public Tensor ForwardDecoder(Tensor latent, Tensor idsRestore, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var x = decoder_embed.forward(latent);                                        // (B, 1 + len_keep, Dd)
        long b = x.shape[0], dd = x.shape[2], l = idsRestore.shape[1];
        long lenKeep = x.shape[1] - 1;
        var maskTokens = mask_token.expand(b, l - lenKeep, dd);                       // (B, L - len_keep, Dd)
        var shuffled = cat(new[] { x.narrow(1, 1, lenKeep), maskTokens }, 1);         // (B, L, Dd) in shuffled order
        var unshuffled = shuffled.gather(1, idsRestore.unsqueeze(-1).expand(b, l, dd));   // (B, L, Dd) original order
        x = cat(new[] { x.narrow(1, 0, 1), unshuffled }, 1) + decoder_pos_embed;      // (B, 1 + L, Dd)
        foreach (var block in decoder_blocks) x = block.forward(x, generator);
        x = decoder_pred.forward(decoder_norm.forward(x));                            // (B, 1 + L, P)
        return x.narrow(1, 1, l).MoveToOuterDisposeScope();                           // (B, L, P) without the CLS token
    }

    /// <summary>
    /// The unmasked encoder, the brain latent that conditions stage B. With <paramref name="withClsToken"/> (default)
    /// the CLS token is part of the sequence: (B, 1 + L, D), CLS at index 0. Without it the sequence is the L patch
    /// tokens only, (B, L, D), as MinD-Vis's <c>fmri_encoder</c> computes it (no CLS token in the attention at all,
    /// so this is not the same as dropping row 0 of the first form). No random draws unless dropout is configured
    /// and the model is in training mode, in which case <paramref name="generator"/> is required.
    /// </summary>
    public Tensor Encode(Tensor voxels, bool withClsToken = true, Generator? generator = null)
    {
        CheckVoxels(voxels);
        using var scope = NewDisposeScope();
        var x = patch_embed.forward(voxels).Plus(pos_embed.narrow(1, 1, Config.NumPatches));   // (B, L, D)
        if (withClsToken) x = PrependClsToken(x);                                           // (B, 1 + L, D)
        foreach (var block in blocks) x = block.forward(x, generator);
        return norm.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>(B, V) voxel vectors to (B, L, P) patches.</summary>
    public Tensor Patchify(Tensor voxels)
    {
        CheckVoxels(voxels);
        return voxels.reshape(voxels.shape[0], Config.NumPatches, Config.PatchSize);   // (B, L, P)
    }

    /// <summary>(B, L, P) patches to (B, V) voxel vectors.</summary>
    public Tensor Unpatchify(Tensor patches)
    {
        if (patches.dim() != 3 || patches.shape[1] != Config.NumPatches || patches.shape[2] != Config.PatchSize)
            throw new ArgumentException(
                $"patches shape [{string.Join(", ", patches.shape)}] must be (B, {Config.NumPatches}, {Config.PatchSize})", nameof(patches));
        return patches.reshape(patches.shape[0], Config.NumVoxels);   // (B, V)
    }

    private Tensor PrependClsToken(Tensor tokens)
    {
        var cls = cls_token.Plus(pos_embed.narrow(1, 0, 1)).expand(tokens.shape[0], 1, tokens.shape[2]);   // (B, 1, D)
        return cat(new[] { cls, tokens }, 1);                                                             // (B, 1 + N, D)
    }

    private void CheckVoxels(Tensor voxels)
    {
        if (voxels.dim() != 2 || voxels.shape[1] != Config.NumVoxels)
            throw new ArgumentException(
                $"voxels shape [{string.Join(", ", voxels.shape)}] must be (B, {Config.NumVoxels}): the model expects {Config.NumVoxels} voxels per sample",
                nameof(voxels));
    }

    /// <summary>timm's stochastic depth rule: block i of n gets rate * i / (n - 1) (linspace from 0 to rate).</summary>
    private static double DropPathAt(double rate, int index, int depth) => depth <= 1 ? 0.0 : rate * index / (depth - 1);

    /// <summary>MAE's <c>initialize_weights</c>, all draws from one generator, in module order.</summary>
    private void InitializeWeights(Generator generator)
    {
        patch_embed.InitializeWeights(generator);
        MaeWeightInit.Normal(cls_token, 0.02, generator);   // timm's trunc_normal_(std=.02) is effectively normal
        MaeWeightInit.Normal(mask_token, 0.02, generator);
        foreach (var block in blocks) block.InitializeWeights(generator);
        MaeWeightInit.LayerNorm(norm);
        MaeWeightInit.Linear(decoder_embed, generator);
        foreach (var block in decoder_blocks) block.InitializeWeights(generator);
        MaeWeightInit.LayerNorm(decoder_norm);
        MaeWeightInit.Linear(decoder_pred, generator);
    }
}
