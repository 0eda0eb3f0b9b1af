using Decoding.Models.Blocks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Models.Unet;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>A down level without attention (diffusers <c>DownBlock2D</c>): resnets, then an optional stride-2 downsampler.</summary>
public sealed class DownBlock2D : UNetDownBlock
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Downsample2D>? downsamplers;

    public DownBlock2D(long inChannels, long outChannels, bool addDownsample, UNet2DConditionConfig config, Device? device = null)
        : base(nameof(DownBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, config.LayersPerBlock)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, config.TimeEmbeddingDim,
                config.NormNumGroups, config.NormEps, config.Dropout, device)).ToArray());
        downsamplers = addDownsample ? nn.ModuleList(new Downsample2D(outChannels, padding: 1, device)) : null;
        RegisterComponents();
    }

    public override Tensor Forward(Tensor hidden, Tensor timeEmbedding, Tensor context, Stack<Tensor> skips)
    {
        foreach (var resnet in resnets)
        {
            hidden = resnet.Forward(hidden, timeEmbedding);
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
