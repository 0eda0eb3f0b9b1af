using static TorchSharp.torch;

namespace Decoding.Editing;

/// <summary>
/// Prompt-to-Prompt's alignment between the tokens of an edited prompt P* and those of the source prompt P (Hertz et
/// al. 2022, Sec. 3.2): which source token's cross-attention map each target token takes while maps are injected.
/// Written as a matrix A (Ls x Lt) and a mask: a matched target token j gets the map Σ_s M_s A[s, j]; an unmatched one
/// (a word the source does not have, P2P's A(j) = None) keeps its own map M*_j.
/// <para>
/// Prompts are token sequences of fixed length L: <c>&lt;bos&gt; w_1 … w_n &lt;eos&gt; &lt;pad&gt; …</c> (one token per word, see
/// <see cref="Conditioning.WordTokenizer"/>). Three alignments:
/// </para>
/// <list type="bullet">
/// <item><b>Identity</b> (same prompt; used by re-weighting): A = I.</item>
/// <item><b>Word swap</b>: the prompts share a word prefix and suffix and differ in one span (k source words → m target
/// words). Prefix tokens map one to one. When k = m (the paper's swap: prompts of the same length), the span maps one
/// to one too, word i of the source to word i of the target, so unchanged words inside the span keep their own maps.
/// When k ≠ m, every target token of the span takes the sum of the source span's maps divided by m, so the span's
/// attention mass is kept (Σ_j A[s, j] = 1), as the reference code does for a word whose token counts differ; the later
/// words and &lt;eos&gt; then map one to one shifted by k − m.</item>
/// <item><b>Refinement</b>: the target adds words; the source's words must appear in order in the target (a longest
/// common subsequence covering them all). Matched words, &lt;bos&gt; and &lt;eos&gt; map one to one; the added words
/// are unmatched.</item>
/// <item>In both edits the padding after the target's &lt;eos&gt; maps to the source's padding at the same position, as in
/// the reference code's mappers.</item>
/// </list>
/// </summary>
public sealed class TokenAlignment
{
    private TokenAlignment(float[,] map, bool[] matched, bool isIdentity)
    {
        Map = map;
        Matched = matched;
        IsIdentity = isIdentity;
    }

    /// <summary>A (Ls x Lt): column j says which source maps make target token j's map.</summary>
    public float[,] Map { get; }

    /// <summary>For each target token: true when it takes mapped source maps, false when it keeps its own (A(j) = None).</summary>
    public IReadOnlyList<bool> Matched { get; }

    /// <summary>True for A = I with every token matched: the mapped maps are the source maps themselves.</summary>
    public bool IsIdentity { get; }

    public int SourceLength => Map.GetLength(0);
    public int TargetLength => Map.GetLength(1);

    /// <summary>A = I over <paramref name="length"/> tokens.</summary>
    public static TokenAlignment Identity(int length)
    {
        if (length < 1) throw new ArgumentException($"token alignment: length must be >= 1, got {length}");
        var map = new float[length, length];
        for (int i = 0; i < length; i++) map[i, i] = 1f;
        return new TokenAlignment(map, Enumerable.Repeat(true, length).ToArray(), isIdentity: true);
    }

    /// <summary>
    /// The word-swap alignment of two prompts given as words (without special tokens) in sequences of
    /// <paramref name="length"/> tokens. Throws naming the prompts when they do not differ in exactly one span of words
    /// on both sides (identical prompts, or a pure insertion or deletion, which is a refinement).
    /// </summary>
    public static TokenAlignment WordSwap(IReadOnlyList<string> source, IReadOnlyList<string> target, int length)
    {
        CheckFits(source, target, length);
        int n = source.Count, m = target.Count;
        int prefix = 0;
        while (prefix < Math.Min(n, m) && source[prefix] == target[prefix]) prefix++;
        int suffix = 0;
        while (suffix < Math.Min(n, m) - prefix && source[n - 1 - suffix] == target[m - 1 - suffix]) suffix++;
        int k = n - prefix - suffix, spanTarget = m - prefix - suffix;
        if (k == 0 && spanTarget == 0)
            throw new ArgumentException($"word swap: '{Join(target)}' is the source prompt itself; swap a word for another");
        if (k == 0 || spanTarget == 0)
            throw new ArgumentException($"word swap: '{Join(source)}' -> '{Join(target)}' only {(k == 0 ? "adds" : "removes")} words; a word swap replaces words (use a refinement to add words)");

        var map = new float[length, length];
        var matched = new bool[length];
        // Token positions: 0 is <bos>, word i is at 1 + i.
        for (int j = 0; j <= prefix; j++) Match(map, matched, j, j);                        // <bos> and the shared prefix
        int spanSource = 1 + prefix, spanTargetStart = 1 + prefix;
        if (k == spanTarget)
        {
            for (int j = spanTargetStart; j < spanTargetStart + spanTarget; j++) Match(map, matched, j, j);   // word i -> word i
        }
        else
        {
            for (int j = spanTargetStart; j < spanTargetStart + spanTarget; j++)
            {
                matched[j] = true;
                for (int s = spanSource; s < spanSource + k; s++) map[s, j] = 1f / spanTarget;  // Σ_j A[s, j] = 1 over the span
            }
        }
        int shift = k - spanTarget, targetEos = 1 + m;
        for (int j = spanTargetStart + spanTarget; j <= targetEos; j++) Match(map, matched, j + shift, j); // later words, <eos>
        for (int j = targetEos + 1; j < length; j++) Match(map, matched, j, j);                            // padding
        return new TokenAlignment(map, matched, isIdentity: false);
    }

    /// <summary>
    /// The refinement alignment: <paramref name="target"/> adds words to <paramref name="source"/>, whose words must all
    /// appear in it, in order. Throws naming the words otherwise.
    /// </summary>
    public static TokenAlignment Refinement(IReadOnlyList<string> source, IReadOnlyList<string> target, int length)
    {
        CheckFits(source, target, length);
        int n = source.Count, m = target.Count;
        var pairs = LongestCommonSubsequence(source, target);
        if (pairs.Count < n)
        {
            var kept = pairs.Select(p => p.Source).ToHashSet();
            var missing = Enumerable.Range(0, n).Where(i => !kept.Contains(i)).Select(i => $"'{source[i]}'");
            throw new ArgumentException($"refinement: '{Join(target)}' must keep every word of '{Join(source)}' in order, but lacks {string.Join(", ", missing)} (use a word swap to replace words)");
        }
        if (m == n)
            throw new ArgumentException($"refinement: '{Join(target)}' adds no word to '{Join(source)}'");

        var map = new float[length, length];
        var matched = new bool[length];
        Match(map, matched, 0, 0);                                                           // <bos>
        foreach (var (s, t) in pairs) Match(map, matched, 1 + s, 1 + t);                     // the kept words
        Match(map, matched, 1 + n, 1 + m);                                                   // <eos>
        for (int j = 2 + m; j < length; j++) Match(map, matched, j, j);                      // padding
        return new TokenAlignment(map, matched, isIdentity: false);
    }

    /// <summary>
    /// The maps an edit uses: target token j gets Σ_s source[..., s] A[s, j] when matched, else own[..., j].
    /// </summary>
    /// <param name="source">Source maps (..., Lq, Ls).</param>
    /// <param name="own">The edited prompt's own maps (..., Lq, Lt).</param>
    /// <returns>(..., Lq, Lt)</returns>
    public Tensor Apply(Tensor source, Tensor own)
    {
        if (source.shape[^1] != SourceLength || own.shape[^1] != TargetLength)
            throw new ArgumentException($"token alignment: maps over {source.shape[^1]} source and {own.shape[^1]} target tokens, the alignment is {SourceLength} x {TargetLength}");
        if (IsIdentity) return source.alias();
        using var scope = NewDisposeScope();
        var flat = new float[SourceLength * TargetLength];
        for (int s = 0; s < SourceLength; s++)
            for (int j = 0; j < TargetLength; j++) flat[s * TargetLength + j] = Map[s, j];
        var a = tensor(flat, [SourceLength, TargetLength], dtype: source.dtype, device: source.device); // (Ls, Lt)
        var mapped = matmul(source, a);                                                                  // (..., Lq, Lt)
        var mask = tensor(Matched.ToArray(), device: source.device);                                     // (Lt)
        return where(mask, mapped, own).MoveToOuterDisposeScope();
    }

    private static void Match(float[,] map, bool[] matched, int source, int target)
    {
        map[source, target] = 1f;
        matched[target] = true;
    }

    private static void CheckFits(IReadOnlyList<string> source, IReadOnlyList<string> target, int length)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        foreach (var (words, name) in new[] { (source, "source"), (target, "target") })
        {
            if (words.Count == 0) throw new ArgumentException($"token alignment: the {name} prompt has no words");
            if (words.Count > length - 2)
                throw new ArgumentException($"token alignment: the {name} prompt '{Join(words)}' has {words.Count} words; sequences of {length} tokens hold {length - 2}");
        }
    }

    /// <summary>Index pairs (source word, target word) of a longest common subsequence, in order.</summary>
    private static List<(int Source, int Target)> LongestCommonSubsequence(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var lengths = new int[a.Count + 1, b.Count + 1];
        for (int i = a.Count - 1; i >= 0; i--)
            for (int j = b.Count - 1; j >= 0; j--)
                lengths[i, j] = a[i] == b[j] ? lengths[i + 1, j + 1] + 1 : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
        var pairs = new List<(int, int)>();
        for (int i = 0, j = 0; i < a.Count && j < b.Count;)
        {
            if (a[i] == b[j]) { pairs.Add((i, j)); i++; j++; }
            else if (lengths[i + 1, j] >= lengths[i, j + 1]) i++;
            else j++;
        }
        return pairs;
    }

    private static string Join(IReadOnlyList<string> words) => string.Join(' ', words);
}
