using TorchSharp.Modules;
using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Models.Transformers;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// The spatial transformer of the LDM UNet (Rombach et al. 2022, Sec. 3.3; diffusers <c>Transformer2DModel</c>):
/// GroupNorm, project in, flatten the H x W positions into tokens, run the BasicTransformerBlocks (self- and
/// cross-attention), unflatten, project out, add the input. Projections are 1x1 convolutions (SD 1.x) or
/// linear layers on the tokens (SD 2.x, <c>use_linear_projection</c>).
/// </summary>
public sealed class Transformer2DModel : nn.Module
{
    private readonly GroupNorm norm;
    private readonly nn.Module<Tensor, Tensor> proj_in;
    private readonly ModuleList<BasicTransformerBlock> transformer_blocks;
    private readonly nn.Module<Tensor, Tensor> proj_out;
    private readonly bool useLinearProjection;

    /// <param name="channels">Width of the feature map (in and out).</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="dimHead">Width of one head; the tokens have heads*dimHead features.</param>
    /// <param name="contextDim">Width of the context tokens.</param>
    /// <param name="layers">Number of BasicTransformerBlocks.</param>
    /// <param name="groups">GroupNorm groups.</param>
    /// <param name="useLinearProjection">Linear proj_in/proj_out on tokens instead of 1x1 convolutions.</param>
    /// <param name="dropout">Dropout inside the blocks.</param>
    /// <param name="device">Device for the parameters.</param>
    public Transformer2DModel(long channels, int heads, long dimHead, long contextDim, int layers, long groups,
        bool useLinearProjection = false, double dropout = 0.0, Device? device = null) : base(nameof(Transformer2DModel))
    {
        long inner = heads * dimHead;
        this.useLinearProjection = useLinearProjection;
        norm = Layers.GroupNorm(groups, channels, 1e-6, device);
        proj_in = useLinearProjection
            ? nn.Linear(channels, inner, device: device)
            : nn.Conv2d(channels, inner, 1, device: device);
        transformer_blocks = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(_ => new BasicTransformerBlock(inner, heads, dimHead, contextDim, dropout, device)).ToArray());
        proj_out = useLinearProjection
            ? nn.Linear(inner, channels, device: device)
            : nn.Conv2d(inner, channels, 1, device: device);
        RegisterComponents();
    }

    /// <param name="x">(B, C, H, W)</param>
    /// <param name="context">(B, Lk, contextDim)</param>
    /// <returns>(B, C, H, W)</returns>
    public Tensor Forward(Tensor x, Tensor context)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], height = x.shape[2], width = x.shape[3];
        var h = norm.forward(x);
        Tensor tokens;
        if (useLinearProjection)
        {
            tokens = h.permute(0, 2, 3, 1).reshape(b, height * width, -1); // (B, H*W, C)
            tokens = proj_in.call(tokens);                                 // (B, H*W, inner)
        }
        else
        {
            h = proj_in.call(h);                                           // (B, inner, H, W)
            tokens = h.permute(0, 2, 3, 1).reshape(b, height * width, -1); // (B, H*W, inner)
        }
        foreach (var block in transformer_blocks) tokens = block.Forward(tokens, context);
        Tensor output;
        if (useLinearProjection)
        {
            tokens = proj_out.call(tokens);                                        // (B, H*W, C)
            output = tokens.reshape(b, height, width, -1).permute(0, 3, 1, 2);     // (B, C, H, W)
        }
        else
        {
            h = tokens.reshape(b, height, width, -1).permute(0, 3, 1, 2);          // (B, inner, H, W)
            output = proj_out.call(h.contiguous());                                // (B, C, H, W)
        }
        return output.Plus(x).MoveToOuterDisposeScope();
    }
}
