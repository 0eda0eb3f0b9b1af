using MathNet.Numerics;

namespace Decoding.Metrics;

/// <summary>
/// One-sided exact binomial test: the probability, under chance level p, of at least k successes in n
/// independent trials, P(X &gt;= k) = sum_{i=k..n} C(n, i) p^i (1 - p)^(n - i), summed in log space so that
/// large n (e.g. N(N - 1) pairwise comparisons) neither underflows nor loses tiny p-values.
/// The trials must be independent: count test items (or item pairs, as the NSD papers do for 2-way
/// identification), not MinD-Vis's 1000 redrawn trials of one image, which all reuse one probability vector.
/// </summary>
public static class BinomialTest
{
    /// <param name="successes">k, 0 &lt;= k &lt;= n.</param>
    /// <param name="trials">n &gt;= 1.</param>
    /// <param name="chance">p in (0, 1), e.g. 1/50 for 50-way accuracy, 0.5 for 2-way identification.</param>
    /// <returns>P(X &gt;= k) for X ~ Binomial(n, p).</returns>
    public static double UpperTailPValue(int successes, int trials, double chance)
    {
        if (trials < 1) throw new ArgumentException($"trials must be at least 1, got {trials}", nameof(trials));
        if (successes < 0 || successes > trials)
            throw new ArgumentException($"successes = {successes} must be between 0 and trials = {trials}", nameof(successes));
        if (!(chance > 0 && chance < 1)) throw new ArgumentException($"chance must be in (0, 1), got {chance}", nameof(chance));
        if (successes == 0) return 1.0;

        double logP = Math.Log(chance), logQ = Math.Log(1 - chance);
        // log of each term C(n, i) p^i q^(n-i); combined by log-sum-exp around the largest term.
        int count = trials - successes + 1;
        var logTerms = new double[count];
        double maxLog = double.NegativeInfinity;
        for (int i = successes; i <= trials; i++)
        {
            double t = SpecialFunctions.BinomialLn(trials, i) + i * logP + (trials - i) * logQ;
            logTerms[i - successes] = t;
            if (t > maxLog) maxLog = t;
        }
        double sum = 0;
        foreach (double t in logTerms) sum += Math.Exp(t - maxLog);
        return Math.Min(1.0, Math.Exp(maxLog + Math.Log(sum)));
    }
}
