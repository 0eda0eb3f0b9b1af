using static TorchSharp.torch;

namespace Decoding.Models.Transformers;

/// <summary>
/// A hook on every self-attention (<c>attn1</c>) of a <see cref="Unet.UNet2DConditionModel"/>: it sees the attention
/// probabilities between latent positions and may replace them. Prompt-to-Prompt injects the source image's
/// self-attention maps into an edit's first steps to keep its structure. Set it with
/// <see cref="Unet.UNet2DConditionModel.SelfAttentionControl"/>.
/// </summary>
public interface ISelfAttentionControl
{
    /// <summary>
    /// Called once per self-attention layer per forward pass, in call order (down blocks, mid block, up blocks).
    /// </summary>
    /// <param name="layerName">The attention module's state-dict prefix, e.g.
    /// <c>down_blocks.0.attentions.0.transformer_blocks.0.attn1</c>.</param>
    /// <param name="heads">Number of heads; the leading axis of <paramref name="probabilities"/> is batch-major,
    /// head-minor: row <c>b * heads + h</c>.</param>
    /// <param name="probabilities">softmax(Q Kᵀ / √d) of shape (B*heads, Lq, Lq) over the H*W latent positions
    /// (row-major); each row sums to 1. It lives in the caller's dispose scope (copy and detach it to keep it).</param>
    /// <returns>The probabilities to use, same shape: <paramref name="probabilities"/> itself to observe only, or a
    /// replacement.</returns>
    Tensor OnSelfAttention(string layerName, int heads, Tensor probabilities);
}
