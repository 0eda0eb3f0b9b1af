using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Decoding.Conditioning;

/// <summary>
/// Multi-head self-attention over a token sequence (CLIP's <c>CLIPAttention</c>: q_proj, k_proj, v_proj, out_proj),
/// with padded positions masked out as keys. Uses <c>scaled_dot_product_attention</c> on (N, heads, L, d) tensors: TorchSharp's <c>nn.MultiheadAttention</c> takes
/// only the sequence-first (L, N, E) layout.
/// </summary>
public sealed class TextSelfAttention : Module<Tensor, Tensor, Tensor>
{
    // Field names are checkpoint keys.
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear out_proj;
    private readonly int heads;

    public TextSelfAttention(int width, int heads) : base(nameof(TextSelfAttention))
    {
        if (heads <= 0 || width % heads != 0) throw new ArgumentException($"self-attention: width {width} must be divisible by heads {heads}");
        this.heads = heads;
        q_proj = Linear(width, width);
        k_proj = Linear(width, width);
        v_proj = Linear(width, width);
        out_proj = Linear(width, width);
        RegisterComponents();
    }

    /// <param name="x">Tokens (B, L, D).</param>
    /// <param name="keyMask">(B, L) booleans, true for real tokens; padded positions are not attended to.</param>
    public override Tensor forward(Tensor x, Tensor keyMask)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], l = x.shape[1], d = x.shape[2];
        long headWidth = d / heads;
        var q = q_proj.forward(x).view(b, l, heads, headWidth).transpose(1, 2); // (B, H, L, D/H)
        var k = k_proj.forward(x).view(b, l, heads, headWidth).transpose(1, 2); // (B, H, L, D/H)
        var v = v_proj.forward(x).view(b, l, heads, headWidth).transpose(1, 2); // (B, H, L, D/H)
        var mask = keyMask.view(b, 1, 1, l);                                   // (B, 1, 1, L): true = attend
        var attended = functional.scaled_dot_product_attention(q, k, v, mask);  // (B, H, L, D/H)
        var merged = attended.transpose(1, 2).reshape(b, l, d);                 // (B, L, D)
        return out_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
