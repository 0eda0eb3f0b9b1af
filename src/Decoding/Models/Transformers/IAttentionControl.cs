using static TorchSharp.torch;

namespace Decoding.Models.Transformers;

/// <summary>
/// A hook on every cross-attention (<c>attn2</c>) of a <see cref="Unet.UNet2DConditionModel"/>: it sees the
/// attention probabilities and may replace them, as Prompt-to-Prompt's <c>AttentionControl</c> does. Used to
/// record attention maps (which context token each latent pixel attends to) and to edit them.
/// Set it with <see cref="Unet.UNet2DConditionModel.AttentionControl"/>.
/// </summary>
public interface IAttentionControl
{
    /// <summary>
    /// Called once per cross-attention layer per forward pass, in call order (down blocks, mid block, up blocks).
    /// </summary>
    /// <param name="layerName">The attention module's state-dict prefix, e.g.
    /// <c>down_blocks.0.attentions.0.transformer_blocks.0.attn2</c>.</param>
    /// <param name="heads">Number of heads; the leading axis of <paramref name="probabilities"/> is batch-major,
    /// head-minor: row <c>b * heads + h</c>.</param>
    /// <param name="probabilities">softmax(Q Kᵀ / √d) of shape (B*heads, Lq, Lk): Lq = H*W latent positions
    /// (row-major), Lk = context tokens; each row sums to 1. It lives in the caller's dispose scope: to keep it
    /// beyond the call, store a copy and call <c>DetachFromDisposeScope()</c> on it.</param>
    /// <returns>The probabilities to use, same shape: <paramref name="probabilities"/> itself to observe only,
    /// or a replacement to edit the attention.</returns>
    Tensor OnCrossAttention(string layerName, int heads, Tensor probabilities);
}
