using Decoding.DoubleConditioning;
using static TorchSharp.torch;

namespace Decoding.BrainAttention;

/// <summary>
/// Which brain patches each cross-attention context token is made of. MinD-Vis's adapter mixes the L patch tokens h_p
/// of the masked brain autoencoder along the token axis with two 1x1 Conv1d layers and no nonlinearity between them,
/// then projects each token's width with a Linear D:
/// <code>
///   c_k = D (Σ_p W_kp h_p + b_k) + d      W = W₂ W₁ (T x L),  b_k the convolutions' biases carried through
/// </code>
/// so token k is exactly a sum of one vector per patch, W_kp D h_p, plus a constant. Patch p's share of token k is the
/// size of its vector among all patches' (a norm-based attribution, as Kobayashi et al. 2020 read attention):
/// <code>
///   share_kp = |W_kp| ‖D h_p‖ / Σ_p' |W_kp'| ‖D h_p'‖
/// </code>
/// The constant part (biases) belongs to no patch and is left out. The CLS-pooled adapter builds every token from the
/// CLS token alone, so it has no patch composition.
/// </summary>
public static class AdapterTokenComposition
{
    /// <summary>share_kp for each sample, (B, T, L); each row sums to 1 over the patches.</summary>
    /// <param name="adapter">A token-conv adapter (MinD-Vis's).</param>
    /// <param name="brainTokens">The brain encoder's output as the adapter takes it (with or without the CLS token first).</param>
    public static Tensor PatchShares(FmriConditionAdapter adapter, Tensor brainTokens)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(brainTokens);
        if (adapter.Config.Kind != FmriAdapterKind.TokenConv)
            throw new InvalidSettingException("model", null, $"has a {adapter.Config.Kind} adapter, whose context tokens are made from the CLS token alone; attention by ROI needs the token-conv adapter (MinD-Vis's)");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parameters = adapter.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var w1 = parameters["channel_mapper.0.weight"].squeeze(-1);                      // (L/2, L)
        var w2 = parameters["channel_mapper.1.weight"].squeeze(-1);                      // (T, L/2)
        var d = parameters["dim_mapper.weight"];                                         // (D_ctx, D_fmri)
        var mixing = matmul(w2, w1).abs();                                               // |W|: (T, L)
        var patches = adapter.Patches(brainTokens);                                      // (B, L, D_fmri)
        var projected = matmul(patches, d.t()).norm(-1, keepdim: false);                 // ‖D h_p‖: (B, L)
        var contributions = mixing.unsqueeze(0) * projected.unsqueeze(1);                // (B, T, L)
        var shares = contributions / contributions.sum(-1, keepdim: true).clamp_min(1e-30);
        return shares.MoveToOuterDisposeScope();
    }
}
