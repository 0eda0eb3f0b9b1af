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
}
