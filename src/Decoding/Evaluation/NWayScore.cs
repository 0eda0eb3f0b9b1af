namespace Decoding.Evaluation;

/// <summary>n-way top-1 accuracy of one method at one n (see <see cref="Evaluation.NWayTopOneAccuracy"/>).</summary>
/// <param name="N">Classes per trial.</param>
/// <param name="Chance">1 / n.</param>
/// <param name="MeanOverSamples">MinD-Vis "top-1-class": mean over items and samples, with its bootstrap interval.</param>
/// <param name="MaxOverSamples">MinD-Vis "top-1-class (max)": the best of the K sample sets, with its bootstrap interval.</param>
/// <param name="BinomialPValue">One-sided exact binomial test of the mean accuracy against 1/n, items as trials (see <see cref="MetricRow"/>).</param>
/// <param name="ChanceInterval">Central 95% range of the mean accuracy of a chance decoder on this many items.</param>
public sealed record NWayScore(int N, double Chance, Interval MeanOverSamples, Interval MaxOverSamples, double BinomialPValue, Interval ChanceInterval)
{
    /// <summary>True when the mean accuracy lies inside <see cref="ChanceInterval"/>.</summary>
    public bool WithinChanceInterval => MeanOverSamples.Value >= ChanceInterval.Lower && MeanOverSamples.Value <= ChanceInterval.Upper;
}
