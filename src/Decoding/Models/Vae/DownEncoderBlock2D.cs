using Decoding.Models.Blocks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Models.Vae;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>An encoder level (diffusers <c>DownEncoderBlock2D</c>): resnets without time embedding, then an optional downsampler.</summary>
public sealed class DownEncoderBlock2D : nn.Module
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Downsample2D>? downsamplers;

    public DownEncoderBlock2D(long inChannels, long outChannels, int layers, bool addDownsample, long groups, double eps, Device? device = null)
        : base(nameof(DownEncoderBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, eps, 0.0, device)).ToArray());
        downsamplers = addDownsample ? nn.ModuleList(new Downsample2D(outChannels, padding: 0, device)) : null;
        RegisterComponents();
    }

    /// <param name="x">(B, C_in, H, W)</param>
    /// <returns>(B, C_out, H/2, W/2) when downsampling, else (B, C_out, H, W)</returns>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        foreach (var resnet in resnets) h = resnet.Forward(h);
        if (downsamplers is not null)
            foreach (var downsampler in downsamplers) h = downsampler.Forward(h);
        return h.MoveToOuterDisposeScope();
    }
}
