using Decoding.Conditioning;
using Decoding.Editing;
using static TorchSharp.torch;

namespace Decoding.Tests.Editing;

/// <summary>
/// Prompt-to-Prompt's alignment of target tokens to source tokens, checked entry by entry against maps written out
/// by hand for sequences of 8 tokens: &lt;bos&gt; words &lt;eos&gt; &lt;pad&gt;...
/// </summary>
public class TokenAlignmentTests
{
    private static string[] W(string text) => WordTokenizer.Words(text).ToArray();

    /// <summary>The alignment as (source, target, value) entries that are not zero.</summary>
    private static List<(int, int, float)> Entries(TokenAlignment a)
    {
        var list = new List<(int, int, float)>();
        for (int s = 0; s < a.SourceLength; s++)
            for (int t = 0; t < a.TargetLength; t++)
                if (a.Map[s, t] != 0) list.Add((s, t, a.Map[s, t]));
        return list;
    }

    [Fact]
    public void A_one_word_swap_maps_every_token_to_its_own_position()
    {
        var a = TokenAlignment.WordSwap(W("sneaker"), W("sandal"), 8);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (i, i, 1f)), Entries(a));
        Assert.All(a.Matched, Assert.True);
        Assert.False(a.IsIdentity);
    }

    [Fact]
    public void A_swap_of_as_many_words_maps_word_to_word_so_unchanged_words_inside_the_span_keep_their_maps()
    {
        // "a red car on grass" -> "a blue car on sand": the differing span runs from 'red' to 'grass', and 'car on'
        // inside it must keep its own maps (the paper's swap pairs the prompts' words position by position).
        var a = TokenAlignment.WordSwap(W("a red car on grass"), W("a blue car on sand"), 8);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (i, i, 1f)), Entries(a));
        Assert.All(a.Matched, Assert.True);
        var b = TokenAlignment.WordSwap(W("ankle boot"), W("t-shirt top"), 8);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (i, i, 1f)), Entries(b));
    }

    [Fact]
    public void A_swap_of_two_words_for_one_sums_their_maps_and_shifts_the_end_token()
    {
        // source: <bos> ankle boot <eos> pad pad pad pad; target: <bos> sneaker <eos> pad pad pad pad pad.
        var a = TokenAlignment.WordSwap(W("ankle boot"), W("sneaker"), 8);
        var expected = new List<(int, int, float)> { (0, 0, 1f), (1, 1, 1f), (2, 1, 1f), (3, 2, 1f) };  // ..., <eos> 3 -> 2
        for (int t = 3; t < 8; t++) expected.Add((t, t, 1f));            // padding keeps its position, as in the reference
        Assert.Equal(expected.OrderBy(e => e.Item1).ThenBy(e => e.Item2), Entries(a).OrderBy(e => e.Item1).ThenBy(e => e.Item2));
        Assert.All(a.Matched, Assert.True);
    }

    [Fact]
    public void A_swap_of_one_word_for_two_splits_its_map_in_halves()
    {
        var a = TokenAlignment.WordSwap(W("sneaker"), W("ankle boot"), 8);
        Assert.Equal(0.5f, a.Map[1, 1]);
        Assert.Equal(0.5f, a.Map[1, 2]);
        Assert.Equal(1f, a.Map[2, 3]);                                      // source <eos> -> target <eos>
        for (int t = 4; t < 8; t++) Assert.Equal(1f, a.Map[t, t]);          // padding keeps its position
        Assert.All(a.Matched, Assert.True);
        // The source's first pad (position 3) has no target: its row sums to 0.
        Assert.Equal(0f, Enumerable.Range(0, 8).Sum(t => a.Map[3, t]));
    }

    [Fact]
    public void A_refinement_keeps_the_source_words_and_leaves_added_words_their_own_maps()
    {
        // source: <bos> boot <eos> ...; target: <bos> ankle boot <eos> ...
        var a = TokenAlignment.Refinement(W("boot"), W("ankle boot"), 8);
        var expected = new List<(int, int, float)> { (0, 0, 1f), (1, 2, 1f), (2, 3, 1f) };
        for (int t = 4; t < 8; t++) expected.Add((t, t, 1f));
        Assert.Equal(expected.OrderBy(e => e.Item1).ThenBy(e => e.Item2), Entries(a).OrderBy(e => e.Item1).ThenBy(e => e.Item2));
        Assert.Equal(new[] { true, false, true, true, true, true, true, true }, a.Matched);
    }

    [Fact]
    public void Apply_takes_mapped_source_maps_for_matched_tokens_and_own_maps_for_the_others()
    {
        var a = TokenAlignment.Refinement(W("boot"), W("ankle boot"), 8);
        var gen = new Generator(3);
        using var source = rand([2, 5, 8], generator: gen).softmax(-1);   // (heads, Lq, Ls)
        using var own = rand([2, 5, 8], generator: gen).softmax(-1);      // (heads, Lq, Lt)
        using var result = a.Apply(source, own);
        var s = source.data<float>().ToArray();
        var o = own.data<float>().ToArray();
        var r = result.data<float>().ToArray();
        for (int row = 0; row < 10; row++)
        {
            int b = row * 8;
            Assert.Equal(s[b + 0], r[b + 0]);          // <bos>
            Assert.Equal(o[b + 1], r[b + 1]);          // 'ankle': its own map
            Assert.Equal(s[b + 1], r[b + 2]);          // 'boot' takes the source's 'boot'
            Assert.Equal(s[b + 2], r[b + 3]);          // <eos>
            for (int t = 4; t < 8; t++) Assert.Equal(s[b + t], r[b + t]);
        }
    }

    [Fact]
    public void The_identity_returns_the_source_maps_bit_for_bit()
    {
        var a = TokenAlignment.Identity(8);
        using var source = rand([2, 5, 8], generator: new Generator(4)).softmax(-1);
        using var own = zeros(2, 5, 8);
        using var result = a.Apply(source, own);
        Assert.True(source.eq(result).all().item<bool>());
    }

    [Theory]
    [InlineData("swap", "sneaker", "sneaker", "is the source prompt itself")]
    [InlineData("swap", "boot", "ankle boot", "only adds words")]
    [InlineData("refine", "ankle boot", "sneaker boot", "lacks 'ankle'")]
    [InlineData("refine", "ankle boot", "ankle boot", "adds no word")]
    public void Edits_that_do_not_fit_their_kind_are_refused_naming_the_prompts(string kind, string source, string target, string problem)
    {
        var e = Assert.Throws<ArgumentException>(() => kind == "swap"
            ? TokenAlignment.WordSwap(W(source), W(target), 8)
            : TokenAlignment.Refinement(W(source), W(target), 8));
        Assert.Contains(problem, e.Message);
    }
}
