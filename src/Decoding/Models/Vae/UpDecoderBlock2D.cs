using Decoding.Models.Blocks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Models.Vae;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>A decoder level (diffusers <c>UpDecoderBlock2D</c>): resnets without time embedding, then an optional upsampler.</summary>
public sealed class UpDecoderBlock2D : nn.Module
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Upsample2D>? upsamplers;

    public UpDecoderBlock2D(long inChannels, long outChannels, int layers, bool addUpsample, long groups, double eps, Device? device = null)
        : base(nameof(UpDecoderBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, eps, 0.0, device)).ToArray());
        upsamplers = addUpsample ? nn.ModuleList(new Upsample2D(outChannels, device)) : null;
        RegisterComponents();
    }

    /// <param name="x">(B, C_in, H, W)</param>
    /// <returns>(B, C_out, 2H, 2W) when upsampling, else (B, C_out, H, W)</returns>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        foreach (var resnet in resnets) h = resnet.Forward(h);
        if (upsamplers is not null)
            foreach (var upsampler in upsamplers) h = upsampler.Forward(h);
        return h.MoveToOuterDisposeScope();
    }
}
