using static TorchSharp.torch;

namespace Decoding.LatentDiffusion;

/// <summary>
/// The conditioning of one batch of samples, whatever produced it (class-name prompts, or an fMRI adapter):
/// the cross-attention context c (B, L, D) and, for classifier-free guidance, the "no condition" context c_∅ of the
/// same shape; optionally a vector added to the UNet's timestep embedding (B, time_embed_dim) for each, as MinD-Vis's
/// second conditioning path does. The caller owns the tensors.
/// </summary>
/// <param name="Conditional">c: (B, L, D).</param>
/// <param name="Unconditional">c_∅: (B, L, D), or null when sampling without guidance.</param>
/// <param name="ConditionalTimeEmbedding">Added to the timestep embedding with c: (B, E), or null.</param>
/// <param name="UnconditionalTimeEmbedding">Added to the timestep embedding with c_∅: (B, E), or null.</param>
public sealed record GuidanceContexts(Tensor Conditional, Tensor? Unconditional = null,
    Tensor? ConditionalTimeEmbedding = null, Tensor? UnconditionalTimeEmbedding = null)
{
    /// <summary>Number of samples, B.</summary>
    public long BatchSize => Conditional.shape[0];

    /// <summary>Checks that the shapes agree; errors name the offending tensor.</summary>
    public void Validate()
    {
        static string Shape(Tensor t) => "(" + string.Join(", ", t.shape) + ")";
        if (Conditional.dim() != 3) throw new ArgumentException($"guidance contexts: the conditional context must be (B, L, D), got {Shape(Conditional)}");
        if (Unconditional is not null && !Unconditional.shape.SequenceEqual(Conditional.shape))
            throw new ArgumentException($"guidance contexts: the unconditional context {Shape(Unconditional)} differs from the conditional {Shape(Conditional)}");
        if ((ConditionalTimeEmbedding is null) != (UnconditionalTimeEmbedding is null) && Unconditional is not null)
            throw new ArgumentException("guidance contexts: give added time embeddings for both the conditional and the unconditional context, or for neither");
        foreach (var added in new[] { ConditionalTimeEmbedding, UnconditionalTimeEmbedding })
            if (added is not null && (added.dim() != 2 || added.shape[0] != BatchSize))
                throw new ArgumentException($"guidance contexts: an added time embedding must be ({BatchSize}, E), got {Shape(added)}");
    }
}
