using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Models.Vae;

/// <summary>
/// The KL autoencoder's posterior q(z | x) = N(μ, diag σ²) (Kingma and Welling 2014; LDM
/// <c>DiagonalGaussianDistribution</c>). Built from the encoder's moments (B, 2C, h, w): the first C channels
/// are μ, the last C are log σ², clamped to [-30, 20] for numerical safety as in LDM.
/// Its tensors belong to the dispose scope in which it was built.
/// </summary>
public sealed class DiagonalGaussianDistribution
{
    /// <param name="moments">(B, 2C, h, w): mean and log-variance stacked on the channel axis.</param>
    public DiagonalGaussianDistribution(Tensor moments)
    {
        if (moments.ndim != 4 || moments.shape[1] % 2 != 0)
            throw new ArgumentException($"DiagonalGaussianDistribution: moments must be (B, 2C, h, w), got [{string.Join(", ", moments.shape)}]", nameof(moments));
        var halves = moments.chunk(2, 1);
        Mean = halves[0];                      // (B, C, h, w)
        LogVar = halves[1].Clamped(-30.0, 20.0); // (B, C, h, w)
        halves[1].Dispose();
        Std = LogVar.Times(0.5).exp_();
        Var = LogVar.exp();
    }

    /// <summary>μ: (B, C, h, w).</summary>
    public Tensor Mean { get; }

    /// <summary>log σ², clamped to [-30, 20]: (B, C, h, w).</summary>
    public Tensor LogVar { get; }

    /// <summary>σ = exp(½ log σ²).</summary>
    public Tensor Std { get; }

    /// <summary>σ² = exp(log σ²).</summary>
    public Tensor Var { get; }

    /// <summary>z = μ + σ ⊙ ε, ε ~ N(0, I) drawn from <paramref name="generator"/> (the reparameterisation trick).</summary>
    public Tensor Sample(Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using var noise = randn(Mean.shape, dtype: Mean.dtype, device: Mean.device, generator: generator);
        using var scaled = Std * noise;
        return Mean.Plus(scaled);
    }

    /// <summary>The most likely latent, μ (a new handle to <see cref="Mean"/>'s storage).</summary>
    public Tensor Mode() => Mean.alias();

    /// <summary>
    /// KL(q(z|x) ‖ N(0, I)) per sample, summed over latent elements:
    /// ½ Σ (μ² + σ² − 1 − log σ²)   (Kingma and Welling 2014, App. B).
    /// </summary>
    /// <returns>(B)</returns>
    public Tensor Kl()
    {
        using var scope = NewDisposeScope();
        var terms = Mean.pow(2) + Var - 1.0 - LogVar; // (B, C, h, w)
        return (terms.sum([1, 2, 3]) * 0.5).MoveToOuterDisposeScope();
    }
}
