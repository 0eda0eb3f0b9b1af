using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// Cuts the voxel vector into 1-D patches and embeds each one: a Conv1d with one input channel and
/// kernel = stride = patch size (MinD-Vis <c>PatchEmbed1D</c>, checkpoint key <c>proj</c>). Equivalent to one
/// Linear patchSize -> D applied to every patch.
/// </summary>
public sealed class PatchEmbedding1D : Module<Tensor, Tensor>
{
    private readonly Conv1d proj;
    private readonly int patchSize;

    public PatchEmbedding1D(int patchSize, int embedDim, Device? device = null) : base(nameof(PatchEmbedding1D))
    {
        this.patchSize = patchSize;
        proj = Conv1d(1, embedDim, kernel_size: patchSize, stride: patchSize, bias: true, device: device);
        RegisterComponents();
    }

    /// <param name="voxels">(B, V) voxel vectors, V a multiple of the patch size.</param>
    /// <returns>(B, L, D) patch tokens, L = V / patchSize.</returns>
    public override Tensor forward(Tensor voxels)
    {
        using var scope = NewDisposeScope();
        var embedded = proj.forward(voxels.unsqueeze(1));    // (B, 1, V) -> (B, D, L)
        return embedded.transpose(1, 2).contiguous().MoveToOuterDisposeScope();   // (B, L, D)
    }

    /// <summary>
    /// Initialise like a Linear (MAE: Xavier-uniform on the weight viewed as (D, patchSize)), bias 0. MinD-Vis's own
    /// <c>_init_weights</c> afterwards overwrites the Conv1d weight with normal(0, 0.02); we follow MAE here.
    /// </summary>
    public void InitializeWeights(Generator generator)
    {
        MaeWeightInit.XavierUniform(proj.weight!, generator);
        using var _ = no_grad();
        proj.bias!.zero_();
    }

    /// <summary>Voxels per patch.</summary>
    public int PatchSize => patchSize;
}
