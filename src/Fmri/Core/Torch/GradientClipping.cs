using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fmri.Core.Torch;

/// <summary>
/// Clipping of the global gradient norm (Pascanu et al. 2013): when the L2 norm of all gradients together exceeds
/// the limit, every gradient is scaled by limit / (norm + 1e-6), as torch.nn.utils.clip_grad_norm_ does.
/// MinD-Vis pretrains its brain autoencoder with a limit of 0.8.
/// <para>
/// Written out rather than calling TorchSharp's <c>nn.utils.clip_grad_norm_</c> so that one implementation serves every
/// trainer and a non-finite norm leaves the gradients alone (torch's default scales them all by NaN, which hides where
/// a NaN came from). Each tensor's norm is computed in its own precision, as torch does, and the norms are combined in
/// float64.
/// </para>
/// </summary>
public static class GradientClipping
{
    /// <summary>torch's guard against division by zero in the scale limit / (norm + eps).</summary>
    public const double Epsilon = 1e-6;

    /// <summary>
    /// The global L2 norm of the gradients of <paramref name="parameters"/> (0 when none has a gradient), for trainers
    /// that do not clip but must still notice a non-finite gradient before they save.
    /// </summary>
    public static double GlobalNorm(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var gradients = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        return gradients.Count == 0 ? 0.0 : Norm(gradients);
    }

    private static double Norm(IReadOnlyList<Tensor> gradients)
    {
        // Each tensor's norm by libtorch in its own precision (as torch.nn.utils.clip_grad_norm_ computes them), one
        // copy of the norms to the host, and their squares summed in float64.
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var norms = TorchDevice.HostArray<double>(stack(gradients.Select(g => linalg.vector_norm(g)).ToArray()).to_type(ScalarType.Float64));
        double squares = 0;
        foreach (double norm in norms) squares += norm * norm;
        return Math.Sqrt(squares);
    }

    /// <summary>
    /// Scales the gradients of <paramref name="parameters"/> in place so that their global L2 norm is at most
    /// <paramref name="maxNorm"/>, and returns the norm they had before. Parameters without a gradient are skipped.
    /// A non-finite norm is returned as is and the gradients are left untouched (the caller decides what to do).
    /// </summary>
    public static double ClipGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0) || double.IsInfinity(maxNorm))
            throw new ArgumentException($"gradient clipping: max norm must be a positive finite number, got {maxNorm}");
        var gradients = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        if (gradients.Count == 0) return 0.0;
        double norm = Norm(gradients);
        if (!double.IsFinite(norm)) return norm;
        double scale = maxNorm / (norm + Epsilon);
        if (scale < 1)
        {
            // An explicit Scalar, disposed after the calls: an implicit one could be finalized while libtorch reads it.
            using var factor = scale.ToScalar();
            foreach (var g in gradients) g.mul_(factor);
        }
        return norm;
    }
}
