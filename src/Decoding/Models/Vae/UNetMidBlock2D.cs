using Decoding.Models.Blocks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Models.Vae;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>The autoencoder's bottleneck (diffusers <c>UNetMidBlock2D</c>): resnets.0 → attentions.0 (self-attention) → resnets.1.</summary>
public sealed class UNetMidBlock2D : nn.Module
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<SpatialSelfAttention> attentions;

    public UNetMidBlock2D(long channels, long groups, double eps, Device? device = null) : base(nameof(UNetMidBlock2D))
    {
        resnets = nn.ModuleList(
            new ResnetBlock2D(channels, channels, null, groups, eps, 0.0, device),
            new ResnetBlock2D(channels, channels, null, groups, eps, 0.0, device));
        attentions = nn.ModuleList(new SpatialSelfAttention(channels, heads: 1, groups, eps, device));
        RegisterComponents();
    }

    /// <param name="x">(B, C, H, W)</param>
    /// <returns>(B, C, H, W)</returns>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = resnets[0].Forward(x);
        h = attentions[0].Forward(h);
        h = resnets[1].Forward(h);
        return h.MoveToOuterDisposeScope();
    }
}
