namespace Fmri.MaskedBrainModeling;

/// <summary>
/// Architecture of the sparse-coded masked brain autoencoder (SC-MBM, MinD-Vis stage A). Defaults are the
/// paper's values (MinD-Vis <c>Config_MBM_fMRI</c>), except <see cref="NumVoxels"/>, which depends on the data.
/// A config is plain data: nothing is derived and stored, <see cref="Validate"/> is called when a model is built.
/// </summary>
public sealed record MaskedBrainAutoencoderConfig
{
    /// <summary>Length of the voxel vector the model reads, already padded to a multiple of <see cref="PatchSize"/>.</summary>
    public required int NumVoxels { get; init; }

    /// <summary>Voxels per 1-D patch; the patch embedding is a Conv1d with kernel = stride = PatchSize (paper: 16).</summary>
    public int PatchSize { get; init; } = 16;

    /// <summary>Encoder token width (paper: 1024, a large embedding-to-patch ratio on purpose).</summary>
    public int EmbedDim { get; init; } = 1024;

    /// <summary>Number of encoder transformer blocks (paper: 24).</summary>
    public int Depth { get; init; } = 24;

    /// <summary>Attention heads per encoder block; must divide <see cref="EmbedDim"/> (paper: 16).</summary>
    public int NumHeads { get; init; } = 16;

    /// <summary>MLP hidden width / token width in every block, encoder and decoder (paper: 1.0; MAE uses 4.0).</summary>
    public double MlpRatio { get; init; } = 1.0;

    /// <summary>Decoder token width (paper: 512).</summary>
    public int DecoderEmbedDim { get; init; } = 512;

    /// <summary>Number of decoder transformer blocks (paper: 8).</summary>
    public int DecoderDepth { get; init; } = 8;

    /// <summary>Attention heads per decoder block; must divide <see cref="DecoderEmbedDim"/> (paper: 16).</summary>
    public int DecoderNumHeads { get; init; } = 16;

    /// <summary>Fraction of patches hidden from the encoder in pretraining (paper: 0.75).</summary>
    public double MaskRatio { get; init; } = 0.75;

    /// <summary>
    /// When true, each target patch is standardised by its own mean and variance before the loss (MAE's
    /// <c>norm_pix_loss</c>). MinD-Vis trains on raw (already normalised) voxel values: false.
    /// </summary>
    public bool NormalizePatchLoss { get; init; }

    /// <summary>Dropout after the attention projection and in the MLP (timm <c>proj_drop</c>/<c>drop</c>; paper: 0).</summary>
    public double DropRate { get; init; }

    /// <summary>Stochastic depth rate of the last block, linearly increasing from 0 at the first (timm <c>drop_path_rate</c>; paper: 0).</summary>
    public double DropPathRate { get; init; }

    /// <summary>LayerNorm epsilon (MinD-Vis passes <c>nn.LayerNorm</c> with PyTorch's default 1e-5; MAE uses 1e-6).</summary>
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>Number of patches (tokens without the CLS token): NumVoxels / PatchSize.</summary>
    public int NumPatches => NumVoxels / PatchSize;

    /// <summary>Hidden width of the encoder MLP, int(EmbedDim * MlpRatio) as in timm.</summary>
    public int MlpHiddenDim => (int)(EmbedDim * MlpRatio);

    /// <summary>Hidden width of the decoder MLP, int(DecoderEmbedDim * MlpRatio) as in timm.</summary>
    public int DecoderMlpHiddenDim => (int)(DecoderEmbedDim * MlpRatio);

    /// <summary>The paper's architecture (EmbedDim 1024, depth 24, 16 heads; decoder 512 x 8, 16 heads) for <paramref name="numVoxels"/> padded voxels.</summary>
    public static MaskedBrainAutoencoderConfig Paper(int numVoxels) => new() { NumVoxels = numVoxels };

    /// <summary>A CPU demonstration size: width 128, depth 4, 4 heads; decoder 64 x 2, 4 heads.</summary>
    public static MaskedBrainAutoencoderConfig Small(int numVoxels) => new()
    {
        NumVoxels = numVoxels,
        EmbedDim = 128,
        Depth = 4,
        NumHeads = 4,
        DecoderEmbedDim = 64,
        DecoderDepth = 2,
        DecoderNumHeads = 4,
    };

    /// <summary>A test size that trains in seconds: width 64, depth 2, 4 heads; decoder 32 x 1, 2 heads.</summary>
    public static MaskedBrainAutoencoderConfig Tiny(int numVoxels) => new()
    {
        NumVoxels = numVoxels,
        EmbedDim = 64,
        Depth = 2,
        NumHeads = 4,
        DecoderEmbedDim = 32,
        DecoderDepth = 1,
        DecoderNumHeads = 2,
    };

    /// <summary>
    /// The smallest multiple of <paramref name="patchSize"/> that holds <paramref name="rawVoxels"/> voxels.
    /// A width that is already a multiple is returned unchanged (MinD-Vis's helper adds a whole extra patch then; we do not).
    /// </summary>
    public static int PadToPatchMultiple(int rawVoxels, int patchSize = 16)
    {
        if (rawVoxels <= 0) throw new ArgumentException($"rawVoxels = {rawVoxels} must be positive", nameof(rawVoxels));
        if (patchSize <= 0) throw new ArgumentException($"patchSize = {patchSize} must be positive", nameof(patchSize));
        return checked((rawVoxels + patchSize - 1) / patchSize * patchSize);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first field whose value cannot build a model.</summary>
    public void Validate()
    {
        Require(PatchSize > 0, nameof(PatchSize), PatchSize, "must be positive");
        Require(NumVoxels > 0, nameof(NumVoxels), NumVoxels, "must be positive");
        Require(NumVoxels % PatchSize == 0, nameof(NumVoxels), NumVoxels,
            $"is not a multiple of PatchSize = {PatchSize}; pad the voxel vector to {PadToPatchMultiple(NumVoxels, PatchSize)}");
        Require(EmbedDim > 0 && EmbedDim % 2 == 0, nameof(EmbedDim), EmbedDim, "must be positive and even (sine-cosine positional embedding)");
        Require(Depth > 0, nameof(Depth), Depth, "must be positive");
        Require(NumHeads > 0 && EmbedDim % NumHeads == 0, nameof(NumHeads), NumHeads, $"must be positive and divide EmbedDim = {EmbedDim}");
        Require(MlpRatio > 0 && MlpHiddenDim > 0 && DecoderMlpHiddenDim > 0, nameof(MlpRatio), MlpRatio, "must give MLP hidden widths of at least 1");
        Require(DecoderEmbedDim > 0 && DecoderEmbedDim % 2 == 0, nameof(DecoderEmbedDim), DecoderEmbedDim, "must be positive and even (sine-cosine positional embedding)");
        Require(DecoderDepth > 0, nameof(DecoderDepth), DecoderDepth, "must be positive");
        Require(DecoderNumHeads > 0 && DecoderEmbedDim % DecoderNumHeads == 0, nameof(DecoderNumHeads), DecoderNumHeads,
            $"must be positive and divide DecoderEmbedDim = {DecoderEmbedDim}");
        Require(MaskRatio >= 0 && MaskRatio < 1, nameof(MaskRatio), MaskRatio, "must be in [0, 1)");
        Require(DropRate >= 0 && DropRate < 1, nameof(DropRate), DropRate, "must be in [0, 1)");
        Require(DropPathRate >= 0 && DropPathRate < 1, nameof(DropPathRate), DropPathRate, "must be in [0, 1)");
        Require(LayerNormEps > 0, nameof(LayerNormEps), LayerNormEps, "must be positive");
    }

    private static void Require(bool ok, string field, object value, string problem)
    {
        if (!ok)
            throw new ArgumentException(
                FormattableString.Invariant($"{nameof(MaskedBrainAutoencoderConfig)}.{field} = {value} {problem}"), field);
    }
}
