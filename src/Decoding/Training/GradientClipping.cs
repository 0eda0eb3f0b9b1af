using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Training;

/// <summary>
/// Clipping of the global gradient norm (Pascanu et al. 2013): when the L2 norm of all gradients together exceeds
/// the limit, every gradient is scaled by limit / norm. MinD-Vis pretrains its brain autoencoder with a limit of 0.8.
/// </summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales the gradients of <paramref name="parameters"/> in place so that their global L2 norm is at most
    /// <paramref name="maxNorm"/> (torch.nn.utils.clip_grad_norm_), and returns the norm they had before.
    /// Parameters without a gradient are skipped. A non-finite norm is returned as is (the caller can skip the step).
    /// </summary>
    public static double ClipGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0) || double.IsInfinity(maxNorm))
            throw new ArgumentException($"gradient clipping: max norm must be a positive finite number, got {maxNorm}");
        var withGradients = parameters.Where(p => p.grad is not null).ToList();
        if (withGradients.Count == 0) return 0.0;
        return nn.utils.clip_grad_norm_(withGradients, maxNorm, 2.0);
    }
}
