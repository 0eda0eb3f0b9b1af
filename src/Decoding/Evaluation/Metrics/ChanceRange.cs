using MathNet.Numerics.Distributions;

namespace Decoding.Evaluation.Metrics;

/// <summary>
/// The central 95% range of a success fraction under chance: for X ~ Binomial(trials, p), the 2.5% and 97.5%
/// quantiles of X divided by trials. A method whose score falls inside is indistinguishable from chance at this size.
/// </summary>
public static class ChanceRange
{
    public static Interval Of(int trials, double chance, double level = EvaluationSettings.ConfidenceLevel)
    {
        if (trials < 1) throw new ArgumentException($"trials must be at least 1, got {trials}");
        if (!(chance > 0 && chance < 1)) throw new ArgumentException($"chance must be in (0, 1), got {chance}");
        var binomial = new Binomial(chance, trials);
        double alpha = (1 - level) / 2;
        return new Interval(chance, Quantile(binomial, trials, alpha) / (double)trials, Quantile(binomial, trials, 1 - alpha) / (double)trials);
    }

    /// <summary>Smallest k with P(X &lt;= k) &gt;= q.</summary>
    private static int Quantile(Binomial binomial, int trials, double q)
    {
        for (int k = 0; k < trials; k++)
            if (binomial.CumulativeDistribution(k) >= q) return k;
        return trials;
    }
}
