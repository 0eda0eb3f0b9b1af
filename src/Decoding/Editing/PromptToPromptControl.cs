using Decoding.Models.Transformers;
using static TorchSharp.torch;

namespace Decoding.Editing;

/// <summary>
/// Prompt-to-Prompt's attention control (Hertz et al. 2022, Sec. 3): the source image and its edits are denoised in
/// lockstep from the same noise, one branch after another at every step (<see cref="PromptToPromptSampling"/>). The
/// source branch (branch 0) runs untouched and its attention maps of the step are kept; each edited branch then
/// replaces, in its conditional half only (the unconditional half of classifier-free guidance is the same "no prompt"
/// for all and stays its own):
/// <list type="bullet">
/// <item>its cross-attention maps by <see cref="CrossAttentionEdit.Apply"/> of the source's maps during the first
/// ⌊τ_c n⌋ steps (word swap, refinement, re-weighting);</item>
/// <item>its self-attention maps by the source's during the first ⌊τ_s n⌋ steps, at layers of at most
/// <see cref="InjectionSchedule.MaxSelfAttentionPositions"/> positions.</item>
/// </list>
/// Branches run one at a time with the same batch shape, so an edit that changes nothing computes exactly what the
/// source computes.
/// </summary>
public sealed class PromptToPromptControl : IAttentionControl, ISelfAttentionControl, IDisposable
{
    private readonly IReadOnlyList<AttentionInjection?> injections;
    private readonly bool guided;
    private readonly int evaluations;
    private readonly Dictionary<string, Tensor> sourceCross = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> sourceSelf = new(StringComparer.Ordinal);

    /// <param name="injections">Per branch what it injects; entry 0 (the source) must be null.</param>
    /// <param name="guided">True when every UNet call holds [unconditional, conditional] (classifier-free guidance);
    /// false when it holds the conditional row only.</param>
    /// <param name="evaluations">UNet evaluations per branch in the whole run, n (the schedule's fractions refer to it).</param>
    public PromptToPromptControl(IReadOnlyList<AttentionInjection?> injections, bool guided, int evaluations)
    {
        ArgumentNullException.ThrowIfNull(injections);
        if (injections.Count == 0 || injections[0] is not null)
            throw new ArgumentException("Prompt-to-Prompt control: branch 0 is the source and injects nothing");
        if (evaluations < 1) throw new ArgumentException($"Prompt-to-Prompt control: evaluations must be >= 1, got {evaluations}");
        this.injections = injections;
        this.guided = guided;
        this.evaluations = evaluations;
    }

    /// <summary>The branch whose UNet call runs now (0 = source); set by the sampler before each call.</summary>
    public int Branch { get; set; }

    /// <summary>Index of the current UNet evaluation, 0 .. n−1; set by the sampler.</summary>
    public int Step { get; set; }

    public Tensor OnCrossAttention(string layerName, int heads, Tensor probabilities)
    {
        if (Branch == 0)
        {
            if (injections.Any(i => i?.Cross is not null && Step < i.Schedule.CrossSteps(evaluations)))
                Keep(sourceCross, layerName, Conditional(probabilities, heads));
            return probabilities;
        }
        var injection = injections[Branch];
        if (injection?.Cross is null || Step >= injection.Schedule.CrossSteps(evaluations)) return probabilities;
        var source = Stored(sourceCross, layerName, "cross");
        using var own = Conditional(probabilities, heads);                                      // (heads, Lq, Lt)
        using var edited = injection.Cross.Apply(source, own);                                  // (heads, Lq, Lt)
        return Replace(probabilities, heads, edited);
    }

    public Tensor OnSelfAttention(string layerName, int heads, Tensor probabilities)
    {
        if (probabilities.shape[1] > InjectionSchedule.MaxSelfAttentionPositions) return probabilities;
        if (Branch == 0)
        {
            if (injections.Any(i => i is not null && Step < i.Schedule.SelfSteps(evaluations)))
                Keep(sourceSelf, layerName, Conditional(probabilities, heads));
            return probabilities;
        }
        var injection = injections[Branch];
        if (injection is null || Step >= injection.Schedule.SelfSteps(evaluations)) return probabilities;
        var source = Stored(sourceSelf, layerName, "self");
        return Replace(probabilities, heads, source);
    }

    /// <summary>The conditional rows of a call's probabilities, (heads, Lq, Lk).</summary>
    private Tensor Conditional(Tensor probabilities, int heads)
    {
        long expected = (guided ? 2 : 1) * heads;
        if (probabilities.shape[0] != expected)
            throw new InvalidOperationException($"Prompt-to-Prompt control: a UNet call of branch {Branch} has {probabilities.shape[0] / heads} rows; expected {(guided ? "2 (unconditional, conditional)" : "1")}");
        return probabilities.narrow(0, guided ? heads : 0, heads);
    }

    /// <summary>The call's probabilities with the conditional rows replaced by <paramref name="conditional"/>.</summary>
    private Tensor Replace(Tensor probabilities, int heads, Tensor conditional)
    {
        _ = Conditional(probabilities, heads);
        if (!guided) return conditional.alias();
        return cat(new[] { probabilities.narrow(0, 0, heads), conditional }, 0);                // (2 heads, Lq, Lk)
    }

    private static void Keep(Dictionary<string, Tensor> store, string layer, Tensor maps)
    {
        if (store.Remove(layer, out var old)) old.Dispose();
        var copy = maps.detach().clone();
        copy.DetachFromDisposeScope();
        store[layer] = copy;
    }

    private Tensor Stored(Dictionary<string, Tensor> store, string layer, string kind)
    {
        if (!store.TryGetValue(layer, out var maps))
            throw new InvalidOperationException($"Prompt-to-Prompt control: no source {kind}-attention maps of {layer} at step {Step}; the source branch must run first and have the same layers");
        return maps;
    }

    public void Dispose()
    {
        foreach (var t in sourceCross.Values.Concat(sourceSelf.Values)) t.Dispose();
        sourceCross.Clear();
        sourceSelf.Clear();
    }
}
