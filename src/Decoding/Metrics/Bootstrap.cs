namespace Decoding.Metrics;

/// <summary>
/// Percentile bootstrap over test items (Efron and Tibshirani 1993, "An Introduction to the Bootstrap", ch. 13):
/// draw B resamples of the N items with replacement, compute the statistic on each, and report the
/// (1 - level)/2 and (1 + level)/2 quantiles of the B values. Quantiles interpolate linearly between order
/// statistics (Hyndman and Fan type 7, numpy's default). Items are the unit of resampling because the test
/// items, not the classifier trials or pixels, are the independent observations.
/// </summary>
public static class Bootstrap
{
    public const int DefaultResamples = 1000;
    public const double DefaultConfidenceLevel = 0.95;

    /// <summary>Interval for the mean of per-item scores.</summary>
    /// <param name="perItemScores">One score per test item (e.g. <see cref="PerItemScores.PerItem"/>).</param>
    /// <param name="random">Draws the resamples; pass a seeded generator.</param>
    public static BootstrapInterval MeanInterval(
        IReadOnlyList<double> perItemScores,
        Random random,
        int resamples = DefaultResamples,
        double confidenceLevel = DefaultConfidenceLevel)
    {
        ArgumentNullException.ThrowIfNull(perItemScores);
        for (int i = 0; i < perItemScores.Count; i++)
            if (!double.IsFinite(perItemScores[i])) throw new ArgumentException($"perItemScores[{i}] = {perItemScores[i]} is not finite", nameof(perItemScores));
        return Interval(perItemScores.Count, indices =>
        {
            double sum = 0;
            foreach (int i in indices) sum += perItemScores[i];
            return sum / indices.Length;
        }, random, resamples, confidenceLevel);
    }

    /// <summary>
    /// Interval for any statistic of the test items, given as a function of item indices: it receives the
    /// resampled indices (length N, with repeats) and returns the statistic on those items. The point estimate
    /// is the statistic on 0..N-1. Use this for statistics that are not a plain mean, e.g. MinD-Vis's max over
    /// sample sets.
    /// </summary>
    public static BootstrapInterval Interval(
        int itemCount,
        Func<int[], double> statistic,
        Random random,
        int resamples = DefaultResamples,
        double confidenceLevel = DefaultConfidenceLevel)
    {
        ArgumentNullException.ThrowIfNull(statistic);
        ArgumentNullException.ThrowIfNull(random);
        if (itemCount < 1) throw new ArgumentException($"itemCount is {itemCount}; the bootstrap needs at least one item", nameof(itemCount));
        if (resamples < 2) throw new ArgumentException($"resamples must be at least 2, got {resamples}", nameof(resamples));
        if (!(confidenceLevel > 0 && confidenceLevel < 1))
            throw new ArgumentException($"confidenceLevel must be in (0, 1), got {confidenceLevel}", nameof(confidenceLevel));

        double pointEstimate = statistic(Enumerable.Range(0, itemCount).ToArray());
        var values = new double[resamples];
        var indices = new int[itemCount];
        for (int b = 0; b < resamples; b++)
        {
            for (int i = 0; i < itemCount; i++) indices[i] = random.Next(itemCount);
            values[b] = statistic(indices);
            if (double.IsNaN(values[b])) throw new ArgumentException($"statistic returned NaN on bootstrap resample {b}", nameof(statistic));
        }
        Array.Sort(values);
        double alpha = 1 - confidenceLevel;
        return new BootstrapInterval(
            pointEstimate,
            Quantile(values, alpha / 2),
            Quantile(values, 1 - alpha / 2),
            confidenceLevel,
            resamples);
    }

    /// <summary>Type-7 quantile of sorted values: position h = (B - 1) q, linear between neighbours.</summary>
    public static double Quantile(double[] sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 0) throw new ArgumentException("sorted is empty", nameof(sorted));
        if (!(q >= 0 && q <= 1)) throw new ArgumentException($"q must be in [0, 1], got {q}", nameof(q));
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
