using static TorchSharp.torch;

namespace Decoding.Models.Vae;

/// <summary>How the autoencoder's reconstruction error is measured.</summary>
public enum ReconstructionLoss
{
    /// <summary>|x − x̂|, LDM's choice (its first stages add a perceptual and an adversarial term, not used here).</summary>
    L1,

    /// <summary>(x − x̂)².</summary>
    MeanSquaredError,
}

/// <summary>The three numbers of one autoencoder loss evaluation; <see cref="Total"/> is the one to minimise.</summary>
public sealed record AutoencoderKLLossTerms(Tensor Total, Tensor Reconstruction, Tensor Kl);

/// <summary>
/// Training loss of the KL autoencoder without perceptual or adversarial terms (Rombach et al. 2022, App. G):
/// <code>
///   z ~ q(z|x)                    (reparameterised sample from the posterior)
///   rec = Σ_pixels ℓ(x, decode(z))    ℓ = |·| (L1, default) or (·)² (MSE)
///   kl  = KL(q(z|x) ‖ N(0, I))
///   L   = mean_batch(rec + klWeight · kl)
/// </code>
/// As in LDM's <c>LPIPSWithDiscriminator</c>, both terms are summed over each sample's elements and averaged
/// over the batch, so klWeight = 1e-6 (LDM's value for its KL-f8 autoencoder) has the meaning it has there.
/// </summary>
public static class AutoencoderKLLoss
{
    /// <summary>LDM's KL weight for its KL autoencoders (configs/autoencoder/*_kl_*.yaml: kl_weight 1e-6).</summary>
    public const double DefaultKlWeight = 1e-6;

    /// <param name="vae">The autoencoder being trained.</param>
    /// <param name="images">(B, C, H, W) in [-1, 1].</param>
    /// <param name="generator">Draws the posterior sample.</param>
    /// <param name="klWeight">Weight of the KL term.</param>
    /// <param name="reconstruction">Reconstruction error.</param>
    public static AutoencoderKLLossTerms Compute(AutoencoderKL vae, Tensor images, Generator generator,
        double klWeight = DefaultKlWeight, ReconstructionLoss reconstruction = ReconstructionLoss.L1)
    {
        ArgumentNullException.ThrowIfNull(vae);
        if (!(klWeight >= 0) || double.IsInfinity(klWeight))
            throw new ArgumentException($"AutoencoderKLLoss: klWeight must be a finite number >= 0, got {klWeight}", nameof(klWeight));
        using var scope = NewDisposeScope();
        var posterior = vae.Encode(images);
        var z = posterior.Sample(generator);                                  // (B, latent, h, w)
        var decoded = vae.Decode(z);                                          // (B, C, H, W)
        var error = reconstruction == ReconstructionLoss.L1
            ? (images - decoded).abs()
            : (images - decoded).pow(2);
        var rec = error.sum([1, 2, 3]).mean();                                // per-sample sum, batch mean
        var kl = posterior.Kl().mean();
        var total = rec + kl * klWeight;
        return new AutoencoderKLLossTerms(
            total.MoveToOuterDisposeScope(), rec.MoveToOuterDisposeScope(), kl.MoveToOuterDisposeScope());
    }
}
