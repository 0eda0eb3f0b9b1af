using static TorchSharp.torch;

namespace Decoding.Models.Unet;

/// <summary>A level of the UNet's expanding path: each resnet first concatenates the most recent skip connection.</summary>
public abstract class UNetUpBlock : nn.Module
{
    protected UNetUpBlock(string name) : base(name) { }

    /// <param name="hidden">(B, C_prev, H, W)</param>
    /// <param name="skips">Skip connections of the down path; this block pops one per resnet.</param>
    /// <param name="timeEmbedding">(B, time_embed_dim)</param>
    /// <param name="context">(B, Lk, cross_attention_dim)</param>
    /// <returns>(B, C_out, H', W'): when the block upsamples, H', W' are those of the next skip connection.</returns>
    public abstract Tensor Forward(Tensor hidden, Stack<Tensor> skips, Tensor timeEmbedding, Tensor context);
}
