using Decoding.Evaluation.Metrics;

namespace Decoding.Tests.Evaluation;

public sealed class ChanceRangeTests
{
    [Fact]
    public void MatchesBinomialQuantilesComputedByHand()
    {
        // Binomial(10, 0.5): P(X <= 1) = 11/1024 = 0.0107 < 0.025 <= P(X <= 2) = 56/1024 = 0.0547, so the 2.5% quantile is 2;
        // by symmetry P(X <= 7) = 968/1024 = 0.945 < 0.975 <= P(X <= 8) = 1013/1024 = 0.989, so the 97.5% quantile is 8.
        var range = ChanceRange.Of(10, 0.5);
        Assert.Equal(0.2, range.Lower, 12);
        Assert.Equal(0.8, range.Upper, 12);
    }
}
