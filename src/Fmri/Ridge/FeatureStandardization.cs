namespace Fmri.Ridge;

/// <summary>
/// Per-column centring and scaling learnt on training data: x' = (x - mean) / scale. Mean is 0 when no intercept
/// is fitted; scale is the column's standard deviation (population) when standardising, else 1; a constant column
/// keeps scale 1.
/// </summary>
internal sealed record FeatureStandardization(double[] Means, double[] Scales)
{
    public static FeatureStandardization Learn(float[] x, int n, int p, bool center, bool scale)
    {
        var means = new double[p];
        var scales = new double[p];
        Array.Fill(scales, 1.0);
        if (n == 0 || (!center && !scale)) return new(means, scales);
        var sum = new double[p];
        var sumSquares = new double[p];
        for (int i = 0; i < n; i++)
        {
            var row = x.AsSpan(i * p, p);
            for (int j = 0; j < p; j++)
            {
                sum[j] += row[j];
                sumSquares[j] += (double)row[j] * row[j];
            }
        }
        for (int j = 0; j < p; j++)
        {
            double mean = sum[j] / n;
            if (center) means[j] = mean;
            if (scale)
            {
                double variance = Math.Max(0, sumSquares[j] / n - mean * mean);
                double sd = Math.Sqrt(variance);
                scales[j] = sd > 1e-12 * Math.Max(1, Math.Abs(mean)) ? sd : 1.0;
            }
        }
        return new(means, scales);
    }

    /// <summary>The standardised rows (n x p) as doubles.</summary>
    public double[] Apply(float[] x, int n, int p) => Apply(x, Enumerable.Range(0, n).ToArray(), p);

    /// <summary>The standardised rows <paramref name="rows"/> of x (rows.Length x p) as doubles.</summary>
    public double[] Apply(float[] x, int[] rows, int p)
    {
        var result = new double[(long)rows.Length * p];
        for (int r = 0; r < rows.Length; r++)
        {
            var row = x.AsSpan(rows[r] * p, p);
            var dst = result.AsSpan(r * p, p);
            for (int j = 0; j < p; j++) dst[j] = (row[j] - Means[j]) / Scales[j];
        }
        return result;
    }
}
