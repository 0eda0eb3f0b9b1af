using static TorchSharp.torch;

namespace Decoding.Models.Unet;

/// <summary>A level of the UNet's contracting path: it pushes every intermediate output as a skip connection.</summary>
public abstract class UNetDownBlock : nn.Module
{
    protected UNetDownBlock(string name) : base(name) { }

    /// <param name="hidden">(B, C_in, H, W)</param>
    /// <param name="timeEmbedding">(B, time_embed_dim)</param>
    /// <param name="context">(B, Lk, cross_attention_dim)</param>
    /// <param name="skips">Receives each resnet (+ attention) output and the downsampler's output, in order.</param>
    /// <returns>(B, C_out, H', W'): H' = ceil(H/2) when the block downsamples, else H.</returns>
    public abstract Tensor Forward(Tensor hidden, Tensor timeEmbedding, Tensor context, Stack<Tensor> skips);
}
