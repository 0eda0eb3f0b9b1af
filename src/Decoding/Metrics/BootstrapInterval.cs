namespace Decoding.Metrics;

/// <summary>A percentile bootstrap confidence interval (see <see cref="Bootstrap"/>).</summary>
/// <param name="PointEstimate">The statistic on the original test set.</param>
/// <param name="Lower">Lower percentile bound.</param>
/// <param name="Upper">Upper percentile bound.</param>
/// <param name="ConfidenceLevel">e.g. 0.95.</param>
/// <param name="Resamples">Bootstrap resamples drawn.</param>
public sealed record BootstrapInterval(double PointEstimate, double Lower, double Upper, double ConfidenceLevel, int Resamples)
{
    /// <summary>Upper - Lower.</summary>
    public double Width => Upper - Lower;
}
