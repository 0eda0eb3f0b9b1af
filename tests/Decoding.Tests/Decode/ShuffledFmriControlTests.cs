using Decoding.Decode;

namespace Decoding.Tests.Decode;

public sealed class ShuffledFmriControlTests
{
    [Fact]
    public void EveryPermutationIsADerangementAcrossCategoriesForEverySeedTried()
    {
        // 10 items of 2 categories (a real data set's design), 50 items of 10, and an uneven 7/3 split.
        int[][] designs =
        [
            [0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
            Enumerable.Range(0, 50).Select(i => i / 5).ToArray(),
            [0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
        ];
        foreach (var categories in designs)
            for (long seed = 0; seed < 300; seed++)
            {
                var permutation = ShuffledFmriControl.Draw(categories, seed);
                Assert.Equal(Enumerable.Range(0, categories.Length), permutation.Order.Order());
                Assert.All(Enumerable.Range(0, categories.Length), i => Assert.NotEqual(i, permutation.Order[i]));
                int same = Enumerable.Range(0, categories.Length).Count(i => categories[permutation.Order[i]] == categories[i]);
                Assert.Equal(same, permutation.SameCategory);
                // When no category holds more than half the items, every item can get another category's fMRI.
                bool balanced = categories.GroupBy(c => c).Max(g => g.Count()) * 2 <= categories.Length;
                if (balanced) Assert.Equal(0, same);
                // Otherwise the majority category must keep some: with 7 of 10, at least 7 - 3 = 4 items.
                else Assert.Equal(categories.GroupBy(c => c).Max(g => g.Count()) * 2 - categories.Length, same);
            }
    }

    [Fact]
    public void TheControlSeedAloneChangesThePermutation()
    {
        int[] categories = Enumerable.Range(0, 20).Select(i => i % 4).ToArray();
        Assert.Equal(ShuffledFmriControl.Draw(categories, 5).Order, ShuffledFmriControl.Draw(categories, 5).Order);
        Assert.NotEqual(ShuffledFmriControl.Draw(categories, 5).Order, ShuffledFmriControl.Draw(categories, 6).Order);
    }

    [Fact]
    public void OneItemCannotBeGivenAnotherItemsFmri()
        => Assert.Equal("shuffle_fmri", Assert.Throws<InvalidSettingException>(() => ShuffledFmriControl.Draw([0], 1)).Setting);
}
