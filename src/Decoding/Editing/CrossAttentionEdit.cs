using static TorchSharp.torch;

namespace Decoding.Editing;

/// <summary>
/// Prompt-to-Prompt's Edit(M_t, M*_t, t) for the injected steps: the edited prompt's cross-attention maps become the
/// source's maps carried over by the token alignment (<see cref="TokenAlignment"/>; a word's own maps where the
/// alignment has no partner), each target token's column scaled by its weight (re-weighting: c for the chosen word,
/// 1 elsewhere). The result is used as is, not renormalised, as in the paper.
/// </summary>
/// <param name="Alignment">Target tokens to source tokens.</param>
/// <param name="TokenWeights">One factor per target token.</param>
public sealed record CrossAttentionEdit(TokenAlignment Alignment, IReadOnlyList<float> TokenWeights)
{
    /// <summary>True when every weight is 1 (no re-weighting).</summary>
    public bool Unweighted => TokenWeights.All(w => w == 1f);

    /// <summary>The maps the edit uses.</summary>
    /// <param name="source">The source prompt's maps M_t, (heads, Lq, Ls).</param>
    /// <param name="own">The edited prompt's own maps M*_t, (heads, Lq, Lt).</param>
    /// <returns>(heads, Lq, Lt)</returns>
    public Tensor Apply(Tensor source, Tensor own)
    {
        if (TokenWeights.Count != Alignment.TargetLength)
            throw new ArgumentException($"cross-attention edit: {TokenWeights.Count} token weights for {Alignment.TargetLength} target tokens");
        var mapped = Alignment.Apply(source, own);                                                       // (heads, Lq, Lt)
        if (Unweighted) return mapped;
        using var scope = NewDisposeScope();
        var weights = tensor(TokenWeights.ToArray(), dtype: mapped.dtype, device: mapped.device);        // (Lt)
        var weighted = mapped * weights;                                                                 // column j scaled by w_j
        mapped.Dispose();
        return weighted.MoveToOuterDisposeScope();
    }
}

/// <summary>What an edited branch injects: its cross-attention edit (null: none, e.g. when the source's tokens are brain
/// tokens that no word corresponds to) and when.</summary>
public sealed record AttentionInjection(CrossAttentionEdit? Cross, InjectionSchedule Schedule);
