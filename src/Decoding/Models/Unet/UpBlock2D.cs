using Decoding.Models.Blocks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Models.Unet;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// An up level without attention (diffusers <c>UpBlock2D</c>): layers_per_block + 1 resnets, each on the
/// concatenation [hidden, skip], then an optional nearest-neighbour upsampler.
/// </summary>
public sealed class UpBlock2D : UNetUpBlock
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Upsample2D>? upsamplers;

    /// <param name="inChannels">Width of the skip connections from the matching down level's input.</param>
    /// <param name="prevOutputChannels">Width of the hidden state coming from below.</param>
    /// <param name="outChannels">Output width.</param>
    /// <param name="addUpsample">Upsample at the end (all levels but the last).</param>
    /// <param name="config">The UNet's config.</param>
    /// <param name="device">Device for the parameters.</param>
    public UpBlock2D(long inChannels, long prevOutputChannels, long outChannels, bool addUpsample, UNet2DConditionConfig config, Device? device = null)
        : base(nameof(UpBlock2D))
    {
        int n = config.LayersPerBlock + 1;
        resnets = nn.ModuleList(Enumerable.Range(0, n)
            .Select(j => new ResnetBlock2D(
                (j == 0 ? prevOutputChannels : outChannels) + (j == n - 1 ? inChannels : outChannels), outChannels,
                config.TimeEmbeddingDim, config.NormNumGroups, config.NormEps, config.Dropout, device)).ToArray());
        upsamplers = addUpsample ? nn.ModuleList(new Upsample2D(outChannels, device)) : null;
        RegisterComponents();
    }

    public override Tensor Forward(Tensor hidden, Stack<Tensor> skips, Tensor timeEmbedding, Tensor context)
    {
        foreach (var resnet in resnets)
        {
            using var joined = cat([hidden, skips.Pop()], 1); // (B, C + C_skip, H, W)
            hidden = resnet.Forward(joined, timeEmbedding);
        }
        if (upsamplers is not null)
        {
            long[]? size = skips.Count > 0 ? skips.Peek().shape[2..] : null;
            foreach (var upsampler in upsamplers) hidden = upsampler.Forward(hidden, size);
        }
        return hidden;
    }
}
