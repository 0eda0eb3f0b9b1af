using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// Scores masked-patch reconstruction on held-out samples with a fixed, seeded mask, so scores of different epochs
/// (or models) are computed on the same hidden patches. The model runs in evaluation mode without gradients; its
/// training mode is restored afterwards. When the model normalises its targets per patch
/// (<see cref="MaskedBrainAutoencoderConfig.NormalizePatchLoss"/>), predictions are compared with normalised patches,
/// the quantity the model predicts.
/// </summary>
public static class MaskedReconstructionEvaluation
{
    /// <param name="model">The autoencoder.</param>
    /// <param name="voxels">(N, V) held-out voxel vectors.</param>
    /// <param name="maskRatio">Fraction of patches hidden.</param>
    /// <param name="maskSeed">Seed of the mask generator; the same seed hides the same patches.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    public static MaskedReconstructionScore Evaluate(MaskedBrainAutoencoder model, Tensor voxels, double maskRatio, long maskSeed, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (voxels.dim() != 2 || voxels.shape[0] == 0)
            throw new ArgumentException($"voxels must be a non-empty (N, V) matrix, got shape [{string.Join(", ", voxels.shape)}]", nameof(voxels));
        if (batchSize <= 0) throw new ArgumentException($"batchSize = {batchSize} must be positive", nameof(batchSize));

        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            using var generator = new Generator(unchecked((ulong)maskSeed));
            long n = voxels.shape[0];
            double weightedLoss = 0, maskedPatches = 0, correlationSum = 0;
            int correlated = 0;
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = voxels.narrow(0, start, Math.Min(batchSize, n - start));   // (B, V)
                var (loss, predicted, mask) = model.Forward(batch, generator, maskRatio);
                double batchMasked = mask.sum().ToDouble();
                weightedLoss += loss.ToDouble() * batchMasked;
                maskedPatches += batchMasked;

                var target = model.Patchify(batch);                                   // (B, L, P)
                if (model.Config.NormalizePatchLoss) target = MaskedPatchLoss.NormalizedTarget(target);
                var r = MaskedPearson(predicted, target, mask);                         // (B)
                var finite = r.isfinite();
                correlationSum += r.masked_select(finite).sum().ToDouble();
                correlated += (int)finite.sum().ToInt64();
            }
            double maskedLoss = maskedPatches > 0 ? weightedLoss / maskedPatches : 0.0;
            double correlation = correlated > 0 ? correlationSum / correlated : double.NaN;
            return new MaskedReconstructionScore(maskedLoss, correlation, (int)n);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// Per-sample Pearson correlation over the masked voxels: predicted and target (B, L, P), mask (B, L) with
    /// 1 = masked. NaN for a sample with no masked voxels or constant values.
    /// </summary>
    public static Tensor MaskedPearson(Tensor predicted, Tensor target, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var weight = mask.unsqueeze(-1).expand_as(predicted).to_type(ScalarType.Float64);   // (B, L, P)
        var p = predicted.to_type(ScalarType.Float64);
        var t = target.to_type(ScalarType.Float64);
        var dims = new long[] { 1, 2 };
        var count = weight.sum(dims, keepdim: true);                                         // (B, 1, 1)
        var pc = (p - (p * weight).sum(dims, keepdim: true) / count) * weight;                // centred, masked
        var tc = (t - (t * weight).sum(dims, keepdim: true) / count) * weight;
        var r = (pc * tc).sum(dims) / ((pc * pc).sum(dims) * (tc * tc).sum(dims)).sqrt();    // (B)
        return r.MoveToOuterDisposeScope();
    }
}
