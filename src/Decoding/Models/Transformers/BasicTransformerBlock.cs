using TorchSharp.Modules;
using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Models.Transformers;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// One transformer layer of the LDM UNet (diffusers <c>BasicTransformerBlock</c>, pre-LayerNorm):
/// <code>
///   x = x + attn1(norm1(x))             self-attention over latent positions
///   x = x + attn2(norm2(x), context)    cross-attention to the conditioning tokens
///   x = x + ff(norm3(x))                GEGLU feed-forward
/// </code>
/// </summary>
public sealed class BasicTransformerBlock : nn.Module
{
    private readonly LayerNorm norm1;
    private readonly Attention attn1;
    private readonly LayerNorm norm2;
    private readonly Attention attn2;
    private readonly LayerNorm norm3;
    private readonly FeedForward ff;

    /// <param name="dim">Token width (heads*dimHead).</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="dimHead">Width of one head.</param>
    /// <param name="contextDim">Width of the context tokens.</param>
    /// <param name="dropout">Dropout in attention outputs and the feed-forward.</param>
    /// <param name="device">Device for the parameters.</param>
    public BasicTransformerBlock(long dim, int heads, long dimHead, long contextDim, double dropout = 0.0, Device? device = null)
        : base(nameof(BasicTransformerBlock))
    {
        norm1 = nn.LayerNorm(dim, device: device);
        attn1 = new Attention(dim, null, heads, dimHead, dropout, bias: false, device);
        norm2 = nn.LayerNorm(dim, device: device);
        attn2 = new Attention(dim, contextDim, heads, dimHead, dropout, bias: false, device);
        norm3 = nn.LayerNorm(dim, device: device);
        ff = new FeedForward(dim, 4, dropout, device);
        RegisterComponents();
    }

    /// <param name="x">(B, L, dim)</param>
    /// <param name="context">(B, Lk, contextDim)</param>
    /// <returns>(B, L, dim)</returns>
    public Tensor Forward(Tensor x, Tensor context)
    {
        using var scope = NewDisposeScope();
        var h = x.Plus(attn1.Forward(norm1.forward(x)));
        h = h.Plus(attn2.Forward(norm2.forward(h), context));
        h = h.Plus(ff.Forward(norm3.forward(h)));
        return h.MoveToOuterDisposeScope();
    }
}
