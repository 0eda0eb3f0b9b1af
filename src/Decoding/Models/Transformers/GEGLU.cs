using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Models.Transformers;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// Gated GELU unit (Shazeer 2020, "GLU Variants Improve Transformer", eq. 5/6): one linear layer <c>proj</c>
/// produces 2 x outDim features, split into a value half a and a gate half g; output a ⊙ GELU(g).
/// </summary>
public sealed class GEGLU : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;

    public GEGLU(long inDim, long outDim, Device? device = null) : base(nameof(GEGLU))
    {
        proj = nn.Linear(inDim, outDim * 2, device: device);
        RegisterComponents();
    }

    /// <param name="x">(..., inDim)</param>
    /// <returns>(..., outDim)</returns>
    public override Tensor forward(Tensor x)
    {
        using var projected = proj.forward(x); // (..., 2*outDim)
        var halves = projected.chunk(2, -1);   // value, gate
        using var value = halves[0];
        using var gate = halves[1];
        using var gated = nn.functional.gelu(gate);
        return value * gated;
    }
}
