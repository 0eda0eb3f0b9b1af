using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Fmri.Core.Torch;

/// <summary>
/// The one place GroupNorm modules are created. TorchSharp 0.107.0's <c>nn.GroupNorm</c> leaves its affine
/// weight and bias uninitialised, so networks output NaN from their first step.
/// This factory initialises them as PyTorch does (weight = 1, bias = 0). Every network in the project
/// builds its GroupNorm layers through here; a test guards the regression.
/// </summary>
public static class Norms
{
    public static TorchSharp.Modules.GroupNorm GroupNorm(long numGroups, long numChannels, double eps = 1e-5, bool affine = true)
    {
        var norm = nn.GroupNorm(numGroups, numChannels, eps, affine);
        if (affine)
        {
            using var _ = no_grad();
            norm.weight!.fill_(1.0);
            norm.bias!.fill_(0.0);
        }
        return norm;
    }
}
