using static TorchSharp.torch;

namespace Decoding.BrainAttention;

/// <summary>
/// Cross-attention probabilities read the other way round: for each context token, where in the image the attention
/// to it comes from. A call's probabilities P (rows = latent positions i, columns = tokens k, each row summing to 1)
/// become, per token, the map m_k(i) = P[i, k] / Σ_i' P[i', k], a distribution over the image positions (summing to 1),
/// so tokens that receive little attention in all are still drawn at full contrast. The amount of attention a token
/// receives is kept apart (<see cref="TokenMass"/>).
/// </summary>
public static class TokenAttentionMaps
{
    /// <summary>Per-token maps over positions.</summary>
    /// <param name="probabilities">(N, Lq, Lk), rows summing to 1 over the Lk tokens.</param>
    /// <returns>(N, Lk, Lq), rows summing to 1 over the Lq positions.</returns>
    public static Tensor OverPositions(Tensor probabilities)
    {
        if (probabilities.dim() != 3) throw new ArgumentException($"token maps: probabilities must be (N, Lq, Lk), got ({string.Join(", ", probabilities.shape)})");
        using var scope = NewDisposeScope();
        var byToken = probabilities.transpose(1, 2);                            // (N, Lk, Lq)
        var total = byToken.sum(-1, keepdim: true).clamp_min(1e-30);            // (N, Lk, 1)
        return (byToken / total).MoveToOuterDisposeScope();
    }

    /// <summary>Mean attention each token receives over the positions, (N, Lk); sums to 1 over the tokens.</summary>
    public static Tensor TokenMass(Tensor probabilities) => probabilities.mean([1]);

    /// <summary>
    /// Maps on a square grid of Lq = s² positions (row-major) brought to a grid of <paramref name="side"/> x
    /// <paramref name="side"/> (a multiple of s): each value is spread evenly over the f x f cells it covers
    /// (f = side / s), so a map's sum is unchanged.
    /// </summary>
    /// <param name="maps">(..., s²)</param>
    /// <returns>(..., side, side)</returns>
    public static Tensor ToGrid(Tensor maps, int side)
    {
        long positions = maps.shape[^1];
        int s = (int)Math.Round(Math.Sqrt(positions));
        if (s * s != positions) throw new ArgumentException($"token maps: {positions} positions are not a square grid");
        if (side % s != 0) throw new ArgumentException($"token maps: a {s} x {s} map does not divide a {side} x {side} grid");
        int f = side / s;
        using var scope = NewDisposeScope();
        var lead = maps.shape[..^1];
        var square = maps.reshape([.. lead, s, s]);                                               // (..., s, s)
        var up = square.repeat_interleave(f, -1).repeat_interleave(f, -2) / (double)(f * f);      // (..., side, side)
        return up.MoveToOuterDisposeScope();
    }
}
