using Decoding.Metrics;

namespace Decoding.Tests.Metrics;

public class BootstrapTests
{
    private static double[] Scores(int count, Random random) =>
        Enumerable.Range(0, count).Select(_ => random.NextDouble() < 0.3 ? 1.0 : 0.0).ToArray();

    [Fact]
    public void Interval_contains_the_point_estimate_and_narrows_with_more_items()
    {
        var few = Scores(20, new Random(1));
        var many = Scores(500, new Random(2));
        var small = Bootstrap.MeanInterval(few, new Random(10));
        var large = Bootstrap.MeanInterval(many, new Random(10));
        Assert.Equal(few.Average(), small.PointEstimate, 12);
        Assert.InRange(small.PointEstimate, small.Lower, small.Upper);
        Assert.InRange(large.PointEstimate, large.Lower, large.Upper);
        Assert.Equal(1000, small.Resamples);
        Assert.Equal(0.95, small.ConfidenceLevel);
        // The width scales as 1/sqrt(N): sqrt(500 / 20) = 5 times narrower; require at least 2.5 times.
        Assert.True(large.Width < small.Width / 2.5, $"widths {small.Width} (N=20) and {large.Width} (N=500)");
        // Normal approximation for N = 500, p ~ 0.3: 2 * 1.96 * sqrt(0.21 / 500) = 0.080.
        Assert.InRange(large.Width, 0.06, 0.10);
    }

    [Fact]
    public void Same_seed_gives_same_interval_and_constant_scores_give_a_point()
    {
        var scores = Scores(50, new Random(3));
        Assert.Equal(Bootstrap.MeanInterval(scores, new Random(7)), Bootstrap.MeanInterval(scores, new Random(7)));
        var constant = Bootstrap.MeanInterval(Enumerable.Repeat(0.4, 30).ToArray(), new Random(7));
        Assert.Equal(0.4, constant.Lower, 12);
        Assert.Equal(0.4, constant.Upper, 12);
    }

    [Fact]
    public void Quantile_interpolates_linearly_like_numpy()
    {
        // numpy.percentile([1, 2, 3, 4], 25) = 1.75 (h = 3 * 0.25 = 0.75); median 2.5; ends are the extremes.
        double[] sorted = { 1, 2, 3, 4 };
        Assert.Equal(1.75, Bootstrap.Quantile(sorted, 0.25), 12);
        Assert.Equal(2.5, Bootstrap.Quantile(sorted, 0.5), 12);
        Assert.Equal(1.0, Bootstrap.Quantile(sorted, 0.0));
        Assert.Equal(4.0, Bootstrap.Quantile(sorted, 1.0));
    }

    [Fact]
    public void Any_statistic_of_the_items_can_be_bootstrapped()
    {
        // The maximum of a resample can never exceed the maximum of the data.
        double[] scores = { 0.1, 0.5, 0.9, 0.3 };
        var interval = Bootstrap.Interval(scores.Length, idx => idx.Max(i => scores[i]), new Random(5), resamples: 200);
        Assert.Equal(0.9, interval.PointEstimate);
        Assert.True(interval.Upper <= 0.9 && interval.Lower >= 0.1);
    }
}
