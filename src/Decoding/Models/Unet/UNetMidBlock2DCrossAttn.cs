using Decoding.Models.Blocks;
using Decoding.Models.Transformers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Models.Unet;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>The UNet's bottleneck (diffusers <c>UNetMidBlock2DCrossAttn</c>): resnets.0 → attentions.0 → resnets.1.</summary>
public sealed class UNetMidBlock2DCrossAttn : nn.Module
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Transformer2DModel> attentions;

    public UNetMidBlock2DCrossAttn(long channels, UNet2DConditionConfig config, Device? device = null)
        : base(nameof(UNetMidBlock2DCrossAttn))
    {
        int heads = config.AttentionHeads;
        resnets = nn.ModuleList(Enumerable.Range(0, 2)
            .Select(_ => new ResnetBlock2D(channels, channels, config.TimeEmbeddingDim, config.NormNumGroups,
                config.NormEps, config.Dropout, device)).ToArray());
        attentions = nn.ModuleList(new Transformer2DModel(channels, heads, channels / heads, config.CrossAttentionDim,
            config.TransformerLayersPerBlock, config.NormNumGroups, config.UseLinearProjection, config.Dropout, device));
        RegisterComponents();
    }

    /// <param name="hidden">(B, C, H, W)</param>
    /// <param name="timeEmbedding">(B, time_embed_dim)</param>
    /// <param name="context">(B, Lk, cross_attention_dim)</param>
    /// <returns>(B, C, H, W)</returns>
    public Tensor Forward(Tensor hidden, Tensor timeEmbedding, Tensor context)
    {
        using var scope = NewDisposeScope();
        var h = resnets[0].Forward(hidden, timeEmbedding);
        h = attentions[0].Forward(h, context);
        h = resnets[1].Forward(h, timeEmbedding);
        return h.MoveToOuterDisposeScope();
    }
}
