using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// The masked brain modeling objective (MinD-Vis <c>forward_loss</c>, MAE section 3 "Reconstruction target"):
/// the mean squared error on masked patches only.
/// <code>
///   e[n, l]  = mean_p (pred[n, l, p] - target[n, l, p])^2     per-patch MSE
///   loss     = sum(e * mask) / sum(mask)                       mask[n, l] = 1 for hidden patches
/// </code>
/// With <c>normalize</c>, each target patch is first standardised by its own mean and (unbiased) variance:
/// target = (target - mean) / sqrt(var + 1e-6) (MAE's <c>norm_pix_loss</c>). When nothing is masked the loss is 0,
/// as in MinD-Vis.
/// </summary>
public static class MaskedPatchLoss
{
    /// <param name="predicted">(N, L, P) predicted patches.</param>
    /// <param name="target">(N, L, P) true patches.</param>
    /// <param name="mask">(N, L), 1 = masked, 0 = visible.</param>
    /// <param name="normalize">Standardise each target patch first.</param>
    /// <returns>A scalar tensor.</returns>
    public static Tensor Compute(Tensor predicted, Tensor target, Tensor mask, bool normalize)
    {
        if (!predicted.shape.SequenceEqual(target.shape))
            throw new ArgumentException($"predicted shape [{string.Join(", ", predicted.shape)}] differs from target shape [{string.Join(", ", target.shape)}]", nameof(predicted));
        if (mask.dim() != 2 || mask.shape[0] != target.shape[0] || mask.shape[1] != target.shape[1])
            throw new ArgumentException($"mask shape [{string.Join(", ", mask.shape)}] must be (N, L) = ({target.shape[0]}, {target.shape[1]})", nameof(mask));
        using var scope = NewDisposeScope();
        if (normalize) target = NormalizedTarget(target);                            // (N, L, P)
        var perPatch = (predicted - target).square().mean(new long[] { -1 });       // (N, L)
        var maskSum = mask.sum();
        var weighted = (perPatch * mask).sum();
        var loss = maskSum.ToDouble() > 0 ? weighted / maskSum : weighted;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Each patch of (N, L, P) standardised by its own mean and unbiased variance: (t - mean) / sqrt(var + 1e-6).</summary>
    public static Tensor NormalizedTarget(Tensor target)
    {
        using var scope = NewDisposeScope();
        var mean = target.mean(new long[] { -1 }, keepdim: true);                      // (N, L, 1)
        var variance = target.var(-1, unbiased: true, keepdim: true);                 // (N, L, 1)
        return ((target - mean) / (variance + 1e-6).sqrt()).MoveToOuterDisposeScope(); // (N, L, P)
    }
}
