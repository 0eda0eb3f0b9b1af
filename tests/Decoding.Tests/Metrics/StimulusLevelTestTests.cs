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
