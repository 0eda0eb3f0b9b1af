using Decoding.Models.Transformers;
using TorchSharp.Modules;
using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Models.Vae;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// The autoencoder's self-attention over spatial positions (LDM <c>AttnBlock</c>; diffusers <c>Attention</c>
/// with <c>group_norm</c> and a residual connection, keys group_norm, to_q, to_k, to_v, to_out.0):
/// <code>
///   h = group_norm(x) flattened to tokens (B, H*W, C)
///   out = x + unflatten(to_out(softmax(Q Kᵀ / √d) V)),   Q, K, V = to_q(h), to_k(h), to_v(h)   (with bias)
/// </code>
/// SD's autoencoder uses a single head as wide as the channels.
/// </summary>
public sealed class SpatialSelfAttention : nn.Module
{
    private readonly GroupNorm group_norm;
    private readonly Linear to_q;
    private readonly Linear to_k;
    private readonly Linear to_v;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> to_out;
    private readonly int heads;

    public SpatialSelfAttention(long channels, int heads, long groups, double eps, Device? device = null)
        : base(nameof(SpatialSelfAttention))
    {
        if (heads < 1 || channels % heads != 0)
            throw new ArgumentException($"SpatialSelfAttention: heads = {heads} must be >= 1 and divide channels = {channels}", nameof(heads));
        this.heads = heads;
        group_norm = Layers.GroupNorm(groups, channels, eps, device);
        to_q = nn.Linear(channels, channels, device: device);
        to_k = nn.Linear(channels, channels, device: device);
        to_v = nn.Linear(channels, channels, device: device);
        to_out = nn.ModuleList<nn.Module<Tensor, Tensor>>(nn.Linear(channels, channels, device: device), nn.Dropout(0.0));
        RegisterComponents();
    }

    /// <param name="x">(B, C, H, W)</param>
    /// <returns>(B, C, H, W)</returns>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], height = x.shape[2], width = x.shape[3];
        var tokens = group_norm.forward(x).reshape(b, c, height * width).transpose(1, 2); // (B, H*W, C)
        var q = AttentionHeads.Split(to_q.forward(tokens), heads);                       // (B, heads, H*W, C/heads)
        var k = AttentionHeads.Split(to_k.forward(tokens), heads);
        var v = AttentionHeads.Split(to_v.forward(tokens), heads);
        var attended = AttentionHeads.Merge(nn.functional.scaled_dot_product_attention(q, k, v)); // (B, H*W, C)
        var projected = to_out[1].call(to_out[0].call(attended));                        // (B, H*W, C)
        var output = projected.transpose(1, 2).reshape(b, c, height, width);             // (B, C, H, W)
        return output.Plus(x).MoveToOuterDisposeScope();
    }
}
