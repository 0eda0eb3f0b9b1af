using Decoding.Metrics;

namespace Decoding.Metrics;

/// <summary>A value with a 95% interval (a bootstrap interval over test items, or a binomial range).</summary>
public sealed record Interval(double Value, double Lower, double Upper)
{
    public static Interval From(BootstrapInterval b) => new(b.PointEstimate, b.Lower, b.Upper);
}
