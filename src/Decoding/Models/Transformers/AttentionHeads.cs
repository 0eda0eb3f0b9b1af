using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Models.Transformers;

/// <summary>
/// Reshapes between the token layout (B, L, heads*d) and the per-head layout (B, heads, L, d), and the
/// written-out attention probabilities. The 4-D per-head layout matters on CPU: libtorch's fused
/// scaled_dot_product_attention kernel takes it (3-D inputs fall back to a slower composite path).
/// </summary>
public static class AttentionHeads
{
    /// <summary>(B, L, heads*d) → (B, heads, L, d).</summary>
    public static Tensor Split(Tensor x, int heads)
    {
        long b = x.shape[0], l = x.shape[1], d = x.shape[2] / heads;
        return x.reshape(b, l, heads, d)  // (B, L, heads, d)
                .transpose(1, 2);          // (B, heads, L, d)
    }

    /// <summary>(B, heads, L, d) → (B, L, heads*d).</summary>
    public static Tensor Merge(Tensor x)
    {
        long b = x.shape[0], heads = x.shape[1], l = x.shape[2], d = x.shape[3];
        return x.transpose(1, 2)                // (B, L, heads, d)
                .reshape(b, l, heads * d);      // (B, L, heads*d)
    }

    /// <summary>
    /// softmax(Q Kᵀ / √d) over the key axis, written out (Vaswani et al. 2017, eq. 1, before the product with V).
    /// </summary>
    /// <param name="query">(..., Lq, d)</param>
    /// <param name="key">(..., Lk, d)</param>
    /// <returns>(..., Lq, Lk); each row sums to 1.</returns>
    public static Tensor Probabilities(Tensor query, Tensor key)
    {
        double scale = 1.0 / Math.Sqrt(query.shape[^1]);
        using var scaleScalar = scale.ToScalar();   // kept alive through the call (see ScalarArithmetic)
        using var scores = matmul(query, key.transpose(-2, -1)).mul_(scaleScalar); // (..., Lq, Lk)
        return scores.softmax(-1);
    }
}
