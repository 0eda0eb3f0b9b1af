using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// Per-sample random masking by per-sample shuffling (MAE, He et al. 2022, section 3 "Masking"; MinD-Vis
/// <c>random_masking</c>). Notation, for a batch of N sequences of L patch tokens of width D:
/// <code>
///   noise        ~ U[0, 1)^(N x L)                 drawn from the generator passed in
///   ids_shuffle  = argsort(noise, dim 1)           small noise is kept, large is masked
///   ids_restore  = argsort(ids_shuffle, dim 1)     the inverse permutation: gather(shuffled, ids_restore) = original
///   len_keep     = floor(L * (1 - ratio))
///   visible      = gather(tokens, ids_shuffle[:, :len_keep])
///   mask[n, l]   = 1 if patch l of sample n is hidden, 0 if visible (in the original patch order)
/// </code>
/// </summary>
public static class RandomPatchMasking
{
    /// <summary>Number of visible patches, floor(L * (1 - ratio)), computed as MAE's <c>int(L * (1 - mask_ratio))</c>.</summary>
    public static int KeepCount(int numPatches, double maskRatio)
    {
        if (maskRatio < 0 || maskRatio >= 1)
            throw new ArgumentException($"maskRatio = {maskRatio} must be in [0, 1)", nameof(maskRatio));
        return (int)(numPatches * (1 - maskRatio));
    }

    /// <summary>
    /// Masks <paramref name="tokens"/> (N, L, D). Returns the visible tokens (N, len_keep, D) in shuffled order, the
    /// binary mask (N, L) float32 with 1 = masked, and ids_restore (N, L) int64.
    /// </summary>
    public static (Tensor Visible, Tensor Mask, Tensor IdsRestore) Apply(Tensor tokens, double maskRatio, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (tokens.dim() != 3) throw new ArgumentException($"tokens must be (N, L, D), got {tokens.dim()} dimensions", nameof(tokens));
        using var scope = NewDisposeScope();
        long n = tokens.shape[0], l = tokens.shape[1], d = tokens.shape[2];
        int lenKeep = KeepCount((int)l, maskRatio);

        // The noise is drawn on the CPU generator and moved, so a seed gives the same mask on every device.
        var noise = rand(new[] { n, l }, generator: generator).to(tokens.device);   // (N, L)
        var idsShuffle = noise.argsort(dim: 1);                                        // (N, L)
        var idsRestore = idsShuffle.argsort(dim: 1);                                   // (N, L)

        var idsKeep = idsShuffle.narrow(1, 0, lenKeep);                                // (N, len_keep)
        var visible = tokens.gather(1, idsKeep.unsqueeze(-1).expand(n, lenKeep, d));   // (N, len_keep, D)

        // 0 for the first len_keep positions of the shuffled order, 1 after; then back to the original order.
        var shuffledMask = arange(l, device: tokens.device).ge(lenKeep)
            .to_type(ScalarType.Float32).unsqueeze(0).expand(n, l);                    // (N, L)
        var mask = shuffledMask.gather(1, idsRestore);                                 // (N, L)

        return (visible.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(), idsRestore.MoveToOuterDisposeScope());
    }
}
