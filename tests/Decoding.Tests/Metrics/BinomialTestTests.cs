using Decoding.Metrics;

namespace Decoding.Tests.Metrics;

public class BinomialTestTests
{
    [Theory]
    // P(X >= 3 | n = 3, p = 1/2) = 1/8.
    [InlineData(3, 3, 0.5, 0.125)]
    // P(X >= 2 | n = 3, p = 1/2) = (C(3,2) + C(3,3)) / 8 = 4/8.
    [InlineData(2, 3, 0.5, 0.5)]
    // P(X >= 1 | n = 2, p = 0.1) = 1 - 0.9^2 = 0.19.
    [InlineData(1, 2, 0.1, 0.19)]
    // P(X >= 0) = 1.
    [InlineData(0, 5, 0.3, 1.0)]
    // P(X >= 2 | n = 4, p = 1/4) = 1 - (3/4)^4 - 4 (1/4)(3/4)^3 = 1 - 81/256 - 108/256 = 67/256.
    [InlineData(2, 4, 0.25, 67.0 / 256)]
    public void Upper_tail_matches_hand_computation(int k, int n, double p, double expected)
    {
        Assert.Equal(expected, BinomialTest.UpperTailPValue(k, n, p), 12);
    }

    [Fact]
    public void Large_n_matches_scipy()
    {
        // scipy.stats.binom.sf(59, 100, 0.5) = 0.02844396682049044 (scipy 1.10.1, Debian python3-scipy).
        Assert.Equal(0.02844396682049044, BinomialTest.UpperTailPValue(60, 100, 0.5), 12);
        // scipy.stats.binom.sf(29, 1000, 0.02) = 0.020696518673239492: 30 of 1000 at 50-way chance.
        Assert.Equal(0.020696518673239492, BinomialTest.UpperTailPValue(30, 1000, 0.02), 12);
        // Far tail does not underflow to zero or go negative: 1000 of 1000 at p = 1/2 is 2^-1000 = 9.33e-302.
        double farTail = BinomialTest.UpperTailPValue(1000, 1000, 0.5);
        Assert.True(Math.Abs(farTail / Math.Pow(2, -1000) - 1) < 1e-9, $"P = {farTail:R}");
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => BinomialTest.UpperTailPValue(4, 3, 0.5));
        Assert.Throws<ArgumentException>(() => BinomialTest.UpperTailPValue(1, 3, 1.0));
    }
}
