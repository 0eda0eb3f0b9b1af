using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// Multi-head self-attention as in timm's ViT <c>Attention</c> (Dosovitskiy et al. 2021), with the checkpoint keys
/// <c>qkv</c> (one Linear D -> 3D with bias, MinD-Vis's <c>qkv_bias=True</c>) and <c>proj</c>:
/// <code>
///   q, k, v = split(qkv(x))                     each (B, H, N, D/H)
///   a       = softmax(q k^T / sqrt(D/H)) v      scaled dot-product attention, (B, H, N, D/H)
///   out     = proj(concat_heads(a))             (B, N, D)
/// </code>
/// </summary>
public sealed class MultiHeadSelfAttention : Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly int numHeads;

    public MultiHeadSelfAttention(int dim, int numHeads, Device? device = null) : base(nameof(MultiHeadSelfAttention))
    {
        if (numHeads <= 0 || dim % numHeads != 0)
            throw new ArgumentException($"numHeads = {numHeads} must be positive and divide dim = {dim}", nameof(numHeads));
        this.numHeads = numHeads;
        qkv = Linear(dim, 3 * dim, hasBias: true, device: device);
        proj = Linear(dim, dim, hasBias: true, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], d = x.shape[2];
        long headDim = d / numHeads;
        var qkvHeads = qkv.forward(x)
            .reshape(b, n, 3, numHeads, headDim)       // (B, N, 3, H, D/H)
            .permute(2, 0, 3, 1, 4);                   // (3, B, H, N, D/H)
        var q = qkvHeads[0];                           // (B, H, N, D/H)
        var k = qkvHeads[1];
        var v = qkvHeads[2];
        var attended = functional.scaled_dot_product_attention(q, k, v);   // (B, H, N, D/H)
        var merged = attended.transpose(1, 2).reshape(b, n, d);            // (B, N, D)
        return proj.forward(merged).MoveToOuterDisposeScope();
    }

    /// <summary>MAE initialisation of both Linear layers.</summary>
    public void InitializeWeights(Generator generator)
    {
        MaeWeightInit.Linear(qkv, generator);
        MaeWeightInit.Linear(proj, generator);
    }
}
