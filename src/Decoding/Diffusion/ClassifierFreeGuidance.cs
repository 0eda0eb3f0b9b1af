using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Diffusion;

/// <summary>
/// Classifier-free guidance (Ho &amp; Salimans 2022, "Classifier-Free Diffusion Guidance", eq. 6) as a denoiser wrapper,
/// in diffusers' form ε̃ = ε_uncond + s (ε_cond − ε_uncond); the paper's weight w is s − 1, so s = 1 is the plain
/// conditional model and s = 0 the unconditional one. The combination is linear, so it applies to ε, x_0 and v outputs alike.
/// </summary>
public static class ClassifierFreeGuidance
{
    /// <summary>ε̃ = ε_uncond + s (ε_cond − ε_uncond).</summary>
    public static Tensor Combine(Tensor unconditional, Tensor conditional, double guidanceScale)
    {
        if (!unconditional.shape.SequenceEqual(conditional.shape))
            throw new ArgumentException(
                $"ClassifierFreeGuidance: unconditional ({string.Join(", ", unconditional.shape)}) and conditional ({string.Join(", ", conditional.shape)}) outputs differ in shape.",
                nameof(conditional));
        using var scope = NewDisposeScope();
        return unconditional.Plus((conditional - unconditional).Times(guidanceScale)).MoveToOuterDisposeScope();
    }

    /// <summary>A guided denoiser from two calls: one with the condition, one with the null condition.</summary>
    public static Func<Tensor, long, Tensor> Guide(Func<Tensor, long, Tensor> conditional, Func<Tensor, long, Tensor> unconditional, double guidanceScale)
    {
        ArgumentNullException.ThrowIfNull(conditional);
        ArgumentNullException.ThrowIfNull(unconditional);
        CheckScale(guidanceScale);
        return (sample, timestep) =>
        {
            using var scope = NewDisposeScope();
            var uncond = unconditional(sample, timestep);
            var cond = conditional(sample, timestep);
            return Combine(uncond, cond, guidanceScale).MoveToOuterDisposeScope();
        };
    }

    /// <summary>
    /// A guided denoiser from one batched call, as diffusers' pipelines do: the wrapped denoiser receives the samples
    /// twice, cat([x, x]) of shape (2B, ...), and must use the null condition for the first B rows and the condition
    /// for the last B; its output (2B, ...) is split into ε_uncond, ε_cond.
    /// </summary>
    public static Func<Tensor, long, Tensor> GuideBatched(Func<Tensor, long, Tensor> batchedDenoiser, double guidanceScale)
    {
        ArgumentNullException.ThrowIfNull(batchedDenoiser);
        CheckScale(guidanceScale);
        return (sample, timestep) =>
        {
            using var scope = NewDisposeScope();
            var batch = sample.shape[0];
            var doubled = cat(new[] { sample, sample }, 0);                // (2B, ...)
            var output = batchedDenoiser(doubled, timestep);                 // (2B, ...)
            if (output.dim() == 0 || output.shape[0] != 2 * batch)
                throw new ArgumentException(
                    $"ClassifierFreeGuidance.GuideBatched: the denoiser returned shape ({string.Join(", ", output.shape)}), expected {2 * batch} rows (unconditional then conditional).");
            var halves = output.chunk(2, 0);                                  // 2 x (B, ...)
            return Combine(halves[0], halves[1], guidanceScale).MoveToOuterDisposeScope();
        };
    }

    private static void CheckScale(double guidanceScale)
    {
        if (!double.IsFinite(guidanceScale))
            throw new ArgumentOutOfRangeException(nameof(guidanceScale), $"ClassifierFreeGuidance: guidanceScale = {guidanceScale} must be finite.");
    }
}
