using Decoding.Models.Blocks;
using Decoding.Models.Transformers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Models.Unet;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// A down level with cross-attention (diffusers <c>CrossAttnDownBlock2D</c>): layers_per_block pairs of
/// (ResnetBlock2D, Transformer2DModel), then an optional stride-2 downsampler.
/// </summary>
public sealed class CrossAttnDownBlock2D : UNetDownBlock
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Transformer2DModel> attentions;
    private readonly ModuleList<Downsample2D>? downsamplers;

    public CrossAttnDownBlock2D(long inChannels, long outChannels, bool addDownsample, UNet2DConditionConfig config, Device? device = null)
        : base(nameof(CrossAttnDownBlock2D))
    {
        int heads = config.AttentionHeads;
        resnets = nn.ModuleList(Enumerable.Range(0, config.LayersPerBlock)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, config.TimeEmbeddingDim,
                config.NormNumGroups, config.NormEps, config.Dropout, device)).ToArray());
        attentions = nn.ModuleList(Enumerable.Range(0, config.LayersPerBlock)
            .Select(_ => new Transformer2DModel(outChannels, heads, outChannels / heads, config.CrossAttentionDim,
                config.TransformerLayersPerBlock, config.NormNumGroups, config.UseLinearProjection, config.Dropout, device)).ToArray());
        downsamplers = addDownsample ? nn.ModuleList(new Downsample2D(outChannels, padding: 1, device)) : null;
        RegisterComponents();
    }

    public override Tensor Forward(Tensor hidden, Tensor timeEmbedding, Tensor context, Stack<Tensor> skips)
    {
        for (int i = 0; i < resnets.Count; i++)
        {
            hidden = resnets[i].Forward(hidden, timeEmbedding);
            hidden = attentions[i].Forward(hidden, context);
            skips.Push(hidden);
        }
        if (downsamplers is not null)
        {
            foreach (var downsampler in downsamplers) hidden = downsampler.Forward(hidden);
            skips.Push(hidden);
        }
        return hidden;
    }
}
