using static TorchSharp.torch;

namespace Decoding.Models.Transformers;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// The transformer's position-wise feed-forward network with a GEGLU activation (diffusers
/// <c>FeedForward</c>): <c>net.0</c> = GEGLU(dim → mult*dim), <c>net.1</c> = dropout, <c>net.2</c> = linear back to dim.
/// </summary>
public sealed class FeedForward : nn.Module
{
    private readonly TorchSharp.Modules.ModuleList<nn.Module<Tensor, Tensor>> net;

    public FeedForward(long dim, int mult = 4, double dropout = 0.0, Device? device = null) : base(nameof(FeedForward))
    {
        long inner = dim * mult;
        net = nn.ModuleList<nn.Module<Tensor, Tensor>>(
            new GEGLU(dim, inner, device),
            nn.Dropout(dropout),
            nn.Linear(inner, dim, device: device));
        RegisterComponents();
    }

    /// <param name="x">(B, L, dim)</param>
    /// <returns>(B, L, dim)</returns>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        foreach (var layer in net) h = layer.call(h);
        return h.MoveToOuterDisposeScope();
    }
}
