using System.Globalization;
using System.Text.Json.Serialization;
using Decoding.Conditioning;

namespace Decoding.Editing;

/// <summary>The three edits of Prompt-to-Prompt (Hertz et al. 2022, Sec. 3.2).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PromptEditKind>))]
public enum PromptEditKind
{
    /// <summary>Word swap: replace words of the prompt ("sneaker" → "sandal"); the edit takes the source's maps.</summary>
    WordSwap,

    /// <summary>Refinement: add words ("boot" → "ankle boot"); kept words take the source's maps, added ones their own.</summary>
    Refinement,

    /// <summary>Attention re-weighting: scale one word's cross-attention maps by a factor c (the prompt stays the same).</summary>
    Reweighting,
}

/// <summary>
/// One edit of a source prompt, in words. The label LDM's prompts are category names, so its edit vocabulary is: a word
/// swap from one category to another ("sneaker" → "sandal", or between names of different lengths, "sneaker" → "ankle
/// boot"); a refinement that completes or extends a name ("boot" → "ankle boot", "top" → "t-shirt top"); a re-weighting
/// of one word of the name ("ankle" of "ankle boot" by 0 or 2). Only words of the class names are known to the model.
/// </summary>
/// <param name="Kind">Which edit.</param>
/// <param name="Target">The edited prompt P* (for re-weighting: the source prompt itself).</param>
/// <param name="Word">Re-weighting: the word whose maps are scaled.</param>
/// <param name="Factor">Re-weighting: the factor c (the paper uses c in [−2, 2]).</param>
public sealed record PromptEdit(
    [property: JsonPropertyName("kind")] PromptEditKind Kind,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("word")] string? Word = null,
    [property: JsonPropertyName("factor")] double Factor = 1.0)
{
    /// <summary>A word swap to <paramref name="target"/>.</summary>
    public static PromptEdit Swap(string target) => new(PromptEditKind.WordSwap, target);

    /// <summary>A refinement to <paramref name="target"/>.</summary>
    public static PromptEdit Refine(string target) => new(PromptEditKind.Refinement, target);

    /// <summary>Re-weighting of <paramref name="word"/> of <paramref name="source"/> by <paramref name="factor"/>.</summary>
    public static PromptEdit Reweight(string source, string word, double factor) => new(PromptEditKind.Reweighting, source, word, factor);

    /// <summary>
    /// Parses the command line's <c>WORD=FACTOR</c> of a re-weighting of <paramref name="source"/>, e.g. <c>ankle=0</c>.
    /// </summary>
    public static PromptEdit ParseReweight(string source, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int eq = text.IndexOf('=');
        if (eq <= 0 || text.IndexOf('=', eq + 1) >= 0 || !double.TryParse(text[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double factor) || !double.IsFinite(factor))
            throw new InvalidSettingException("reweight", $"'{text}'", "must be WORD=FACTOR, e.g. ankle=0 or ankle=2");
        return Reweight(source, text[..eq].Trim(), factor);
    }

    /// <summary>A short label for grids: "swap: sandal", "refine: ankle boot", "ankle x0".</summary>
    public string Label => Kind switch
    {
        PromptEditKind.WordSwap => $"swap: {Target}",
        PromptEditKind.Refinement => $"refine: {Target}",
        _ => string.Create(CultureInfo.InvariantCulture, $"{Word} x{Factor:G3}"),
    };

    /// <summary>
    /// The cross-attention edit for prompts encoded by <paramref name="tokenizer"/>: the alignment of P*'s tokens to P's,
    /// and per target token the factor its maps are scaled by (1 except the re-weighted word's). Throws naming the
    /// prompts when the edit does not fit them (a swap that swaps nothing, a refinement that drops words, a re-weighted
    /// word the prompt does not contain).
    /// </summary>
    public CrossAttentionEdit Compile(string source, WordTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var sourceWords = WordTokenizer.Words(source);
        var targetWords = WordTokenizer.Words(Target);
        int length = tokenizer.MaxLength;
        var weights = Enumerable.Repeat(1f, length).ToArray();
        switch (Kind)
        {
            case PromptEditKind.WordSwap:
                return new CrossAttentionEdit(TokenAlignment.WordSwap(sourceWords, targetWords, length), weights);
            case PromptEditKind.Refinement:
                return new CrossAttentionEdit(TokenAlignment.Refinement(sourceWords, targetWords, length), weights);
            case PromptEditKind.Reweighting:
                if (!sourceWords.SequenceEqual(targetWords))
                    throw new ArgumentException($"re-weighting keeps the prompt: '{Target}' differs from the source '{source}'");
                var word = WordTokenizer.Words(Word ?? "");
                if (word.Count != 1)
                    throw new InvalidSettingException("reweight", $"'{Word}'", "must name one word of the prompt");
                var positions = sourceWords.Select((w, i) => (w, i)).Where(p => p.w == word[0]).Select(p => 1 + p.i).ToList();
                if (positions.Count == 0)
                    throw new InvalidSettingException("reweight", $"'{Word}'", $"is not a word of the prompt '{source}'");
                foreach (int j in positions) weights[j] = (float)Factor;
                return new CrossAttentionEdit(TokenAlignment.Identity(length), weights);
            default:
                throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown edit");
        }
    }
}
