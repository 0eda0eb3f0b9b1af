using Fmri.MaskedBrainModeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests.MaskedBrainModeling;

public class RandomPatchMaskingTests
{
    // Tokens whose value is their patch index, so positions can be read back: (N, L, D) with x[n, l, :] = l.
    private static Tensor IndexTokens(int n, int l, int d) =>
        arange(l, ScalarType.Float32).reshape(1, l, 1).expand(n, l, d).contiguous();

    [Theory]
    // len_keep = floor(L * (1 - ratio)): 16 * 0.25 = 4; 10 * 0.25 = 2.5 -> 2; 291 * 0.25 = 72.75 -> 72 (Paper(4656)); 16 * 1 = 16.
    [InlineData(16, 0.75, 4)]
    [InlineData(10, 0.75, 2)]
    [InlineData(291, 0.75, 72)]
    [InlineData(16, 0.0, 16)]
    public void Each_sample_keeps_exactly_len_keep_patches(int l, double ratio, int lenKeep)
    {
        Assert.Equal(lenKeep, RandomPatchMasking.KeepCount(l, ratio));
        using var generator = new Generator(11);
        using var tokens = IndexTokens(6, l, 3);
        var (visible, mask, idsRestore) = RandomPatchMasking.Apply(tokens, ratio, generator);
        using (visible) using (mask) using (idsRestore)
        {
            Assert.Equal(new long[] { 6, lenKeep, 3 }, visible.shape);
            Assert.Equal(new long[] { 6, l }, mask.shape);
            using var zerosPerSample = mask.eq(0).sum(1);
            Assert.All(zerosPerSample.data<long>().ToArray(), z => Assert.Equal(lenKeep, z));
            using var onesPerSample = mask.eq(1).sum(1);
            Assert.All(onesPerSample.data<long>().ToArray(), o => Assert.Equal(l - lenKeep, o));
        }
    }

    [Fact]
    public void Ids_restore_inverts_the_shuffle_and_visible_tokens_are_the_unmasked_patches()
    {
        const int n = 5, l = 16, d = 2;
        using var generator = new Generator(5);
        using var tokens = IndexTokens(n, l, d);
        var (visible, mask, idsRestore) = RandomPatchMasking.Apply(tokens, 0.75, generator);
        using (visible) using (mask) using (idsRestore)
        {
            // The shuffle is the inverse of ids_restore; gather(shuffled, ids_restore) must give back the original.
            using var idsShuffle = idsRestore.argsort(dim: 1);
            using var shuffled = tokens.gather(1, idsShuffle.unsqueeze(-1).expand(n, l, d));
            using var restored = shuffled.gather(1, idsRestore.unsqueeze(-1).expand(n, l, d));
            Assert.True(TensorAssert.Identical(restored, tokens));

            // The decoder's unshuffle: [visible; mask tokens] gathered with ids_restore puts each visible token back at
            // its own patch index and a mask token (-1 here) exactly where mask = 1.
            using var maskTokens = full(new long[] { n, l - 4, d }, -1f);
            using var unshuffled = cat(new[] { visible, maskTokens }, 1).gather(1, idsRestore.unsqueeze(-1).expand(n, l, d));
            var values = unshuffled.select(2, 0).data<float>().ToArray();
            var maskValues = mask.data<float>().ToArray();
            for (int i = 0; i < n * l; i++)
                Assert.Equal(maskValues[i] == 1f ? -1f : i % l, values[i]);
        }
    }

    [Fact]
    public void Samples_get_different_masks_and_a_seed_gives_the_same_masks()
    {
        using var tokens = IndexTokens(8, 16, 1);
        Tensor MaskFor(ulong seed)
        {
            using var generator = new Generator(seed);
            var (visible, mask, idsRestore) = RandomPatchMasking.Apply(tokens, 0.75, generator);
            visible.Dispose();
            idsRestore.Dispose();
            return mask;
        }

        using var first = MaskFor(42);
        using var again = MaskFor(42);
        using var other = MaskFor(43);
        Assert.True(TensorAssert.Identical(first, again));
        Assert.False(TensorAssert.Identical(first, other));
        // Not every sample shares sample 0's mask (one mask for the whole batch would be a bug).
        using var sameAsFirstRow = first.eq(first.narrow(0, 0, 1)).all(1);
        Assert.True(sameAsFirstRow.sum().ToInt64() < 8);
    }

    [Fact]
    public void Ratio_outside_0_to_1_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => RandomPatchMasking.KeepCount(16, 1.0));
        Assert.Contains("maskRatio = 1", error.Message);
    }
}
