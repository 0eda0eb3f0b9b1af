using Decoding.Metrics;

namespace Decoding.Tests.Metrics;

public sealed class StimulusLevelTestTests
{
    [Fact]
    public void TheSignTestCountsStimuliAboveTheMedianOfTheirOtherPairings()
    {
        // Items 0 and 1 score highest with their own stimulus, item 2 does not: 2 of 3 successes, p = P(X >= 2), X ~ Bin(3, 1/2) = 1/2.
        var f = new double[,] { { 0.9, 0.1, 0.2 }, { 0.3, 0.8, 0.1 }, { 0.5, 0.6, 0.4 } };
        var test = StimulusLevelTest.Compute(f, new Random(1), 200);
        Assert.Equal(3, test.Stimuli);
        Assert.Equal(2, test.Successes);
        Assert.Equal(0.5, test.PValue, 12);
    }

    [Fact]
    public void WithAnEvenNumberOfOtherPairingsTheOwnScoreMustBeatTheHigherMiddleOne()
    {
        // N = 3: each item has two other pairings. Item 0 scores 0.61 with its own stimulus, between its others 0.2 and
        // 1.0: above their mean (0.6) but below the higher one, so not a success. Counting it would let a decoder with no
        // information succeed in 2 of the 3 equally likely places among its others, 2/3 > 1/2.
        var f = new double[,] { { 0.61, 0.2, 1.0 }, { 0.0, 0.9, 0.1 }, { 0.3, 0.2, 0.1 } };
        var test = StimulusLevelTest.Compute(f, new Random(4), 100);
        Assert.Equal(1, test.Successes);   // item 1 only
    }

    [Fact]
    public void UnderTheNullASuccessHasProbabilityAtMostOneHalf()
    {
        // Exchangeable scores: the own score is equally likely to take each of the N ranks among the N values of its row.
        // Enumerating every rank for N = 2..7 gives the exact success probability: (N - 1 - floor((N - 1)/2)) / N,
        // 1/2 for even N and (N - 1)/(2N) for odd N. The values are square roots of the ranks: with that concave spacing
        // an own score between two middle ones lies above their mean, where a mean-of-the-two rule would count it.
        for (int n = 2; n <= 7; n++)
        {
            int successes = 0;
            for (int rank = 0; rank < n; rank++)
            {
                var f = new double[n, n];
                for (int i = 0; i < n; i++)
                {
                    int k = 0;
                    for (int c = 0; c < n; c++)
                    {
                        if (c == i) continue;
                        f[i, c] = Math.Sqrt(k < rank ? k : k + 1);   // the others take the ranks 0..n-1 except the own score's
                        k++;
                    }
                    f[i, i] = Math.Sqrt(rank);
                }
                successes += StimulusLevelTest.Compute(f, new Random(5), 10).Successes;
            }
            double probability = successes / (double)(n * n);
            double expected = n % 2 == 0 ? 0.5 : (n - 1) / (2.0 * n);
            Assert.Equal(expected, probability, 12);
        }
    }

    [Fact]
    public void AllSuccessesGiveTwoToTheMinusNAndATieIsAFailure()
    {
        int n = 10;
        var perfect = new double[n, n];
        for (int i = 0; i < n; i++) perfect[i, i] = 1;
        Assert.Equal(Math.Pow(0.5, n), StimulusLevelTest.Compute(perfect, new Random(2), 100).PValue, 15);
        var flat = new double[n, n];   // every pairing scores the same: no stimulus is above its median
        var test = StimulusLevelTest.Compute(flat, new Random(2), 100);
        Assert.Equal(0, test.Successes);
        Assert.Equal(1.0, test.PValue);
    }

    [Fact]
    public void TheNullRangeHoldsTheMeanOfRandomPairings()
    {
        // Scores that do not depend on the pairing's diagonal: F[i, c] = c / (n − 1). Every permutation's mean is exactly
        // 1/2, so the null range is [1/2, 1/2] and the observed mean (also 1/2) lies inside.
        int n = 8;
        var f = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < n; c++) f[i, c] = c / (double)(n - 1);
        var test = StimulusLevelTest.Compute(f, new Random(3), 100);
        Assert.Equal(0.5, test.NullRange.Lower, 12);
        Assert.Equal(0.5, test.NullRange.Upper, 12);
        Assert.True(test.Within(0.5));
    }

    [Fact]
    public void A_mean_on_a_bound_is_inside_even_when_rounding_puts_it_a_hair_beyond()
    {
        // The real-like demo's MinD-Vis control: 2-way identification 0.52666666666666672 against the upper bound
        // 0.52666666666666662 of its null range, the same mean of ten items summed in another order.
        var test = new StimulusTest(10, 5, 0.5, new Interval(0.5, 0.45333333333333325, 0.52666666666666662));
        Assert.True(test.Within(0.52666666666666672));
        Assert.False(test.Above(0.52666666666666672));
        Assert.True(test.Above(0.53));
        Assert.True(test.Below(0.45));
        Assert.False(test.Below(0.45333333333333320));
    }

    /// <summary>
    /// A control whose images show their donor's category (F = 1 against stimuli of the donor's category, else 0), 10
    /// categories x 5 items, donors of another category drawn by the project's own rule.
    /// </summary>
    private static (double[,] Scores, ControlPairing Pairing) DonorCategoryControl(double leak)
    {
        int n = 50;
        var categories = Enumerable.Range(0, n).Select(i => i / 5).ToArray();
        IReadOnlyList<int> Draw(long seed) => Decoding.Decode.ShuffledFmriControl.Draw(categories, seed).Order;
        var donors = Draw(7);
        var f = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < n; c++) f[i, c] = categories[c] == categories[donors[i]] ? 1 : 0;
        for (int i = 0; i < n; i++) f[i, i] += leak;      // the item's own stimulus shows through
        return (f, new ControlPairing(donors, categories, Draw));
    }

    [Fact]
    public void A_control_is_tested_against_its_own_pairing_rule_so_a_leak_shows()
    {
        // Leak-free: against its own rule the control sits inside its null (0 everywhere it can be paired); against
        // random pairings it sits far below (mean about 5/50), which is what made a leak easy to miss.
        var (clean, pairing) = DonorCategoryControl(0);
        var own = StimulusLevelTest.Compute(clean, new Random(1), 500, pairing);
        Assert.True(own.ControlPairing);
        Assert.True(own.Within(0));
        Assert.Equal(0, own.Successes);
        var random = StimulusLevelTest.Compute(clean, new Random(1), 500);
        Assert.False(random.Within(0));

        // A leak of 0.15 on the own stimulus: the observed mean is 0.15. Random pairings (upper end about 0.19) call it
        // chance; the control's own null (about 0.15/40 on average: a re-drawn control rarely gives the same donor) flags it,
        // and every item beats the median of its admissible pairings.
        var (leaky, leakPairing) = DonorCategoryControl(0.15);
        Assert.True(StimulusLevelTest.Compute(leaky, new Random(2), 500).Within(0.15));
        var flagged = StimulusLevelTest.Compute(leaky, new Random(2), 500, leakPairing);
        Assert.False(flagged.Within(0.15));
        Assert.True(flagged.NullRange.Upper < 0.05);
        Assert.Equal(50, flagged.Successes);
    }

    [Fact]
    public void A_control_pairing_that_is_not_a_permutation_is_refused()
    {
        var (scores, pairing) = DonorCategoryControl(0);
        var broken = new ControlPairing([.. pairing.Donors.Take(49), pairing.Donors[0]], pairing.Categories, pairing.Draw);
        Assert.Throws<ArgumentException>(() => StimulusLevelTest.Compute(scores, new Random(3), 10, broken));
    }
}
