using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Models.Unet;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>The MLP on the sinusoidal timestep features (diffusers <c>TimestepEmbedding</c>): linear_1, SiLU, linear_2.</summary>
public sealed class TimestepEmbedding : nn.Module
{
    private readonly Linear linear_1;
    private readonly Linear linear_2;

    public TimestepEmbedding(long inChannels, long timeEmbeddingDim, Device? device = null) : base(nameof(TimestepEmbedding))
    {
        linear_1 = nn.Linear(inChannels, timeEmbeddingDim, device: device);
        linear_2 = nn.Linear(timeEmbeddingDim, timeEmbeddingDim, device: device);
        RegisterComponents();
    }

    /// <param name="x">(B, inChannels)</param>
    /// <returns>(B, timeEmbeddingDim)</returns>
    public Tensor Forward(Tensor x)
    {
        using var h = linear_1.forward(x);
        using var activated = nn.functional.silu(h);
        return linear_2.forward(activated);
    }
}
