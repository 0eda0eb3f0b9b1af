namespace Decoding.Metrics;

/// <summary>
/// Pearson's correlation coefficient r = sum((x - mean x)(y - mean y)) / sqrt(sum((x - mean x)^2) sum((y - mean y)^2)),
/// accumulated in double precision. Used by <see cref="PixCorr"/> and <see cref="TwoWayIdentification"/>.
/// </summary>
public static class PearsonCorrelation
{
    /// <exception cref="ArgumentException">Lengths differ, fewer than 2 values, a value is not finite, or a vector is
    /// constant (zero variance: the correlation is undefined).</exception>
    public static double Compute(ReadOnlySpan<float> x, ReadOnlySpan<float> y, string xName = "x", string yName = "y")
    {
        if (x.Length != y.Length)
            throw new ArgumentException($"{xName} has {x.Length} values but {yName} has {y.Length}; Pearson correlation needs equal lengths");
        double[] cx = Centred(x, xName, out double normX);
        double[] cy = Centred(y, yName, out double normY);
        double dot = 0;
        for (int i = 0; i < cx.Length; i++) dot += cx[i] * cy[i];
        return dot / (normX * normY);
    }

    /// <summary>The vector minus its mean, scaled to unit Euclidean norm, so that the correlation of two such
    /// vectors is their dot product.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 values, a value is not finite, or the vector is constant.</exception>
    public static double[] Standardised(ReadOnlySpan<float> x, string name)
    {
        double[] c = Centred(x, name, out double norm);
        for (int i = 0; i < c.Length; i++) c[i] /= norm;
        return c;
    }

    private static double[] Centred(ReadOnlySpan<float> x, string name, out double norm)
    {
        if (x.Length < 2) throw new ArgumentException($"{name} has {x.Length} values; Pearson correlation needs at least 2");
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (!float.IsFinite(x[i])) throw new ArgumentException($"{name}[{i}] = {x[i]} is not finite");
            sum += x[i];
        }
        double mean = sum / x.Length;
        var c = new double[x.Length];
        double ss = 0;
        for (int i = 0; i < x.Length; i++)
        {
            c[i] = x[i] - mean;
            ss += c[i] * c[i];
        }
        if (ss == 0) throw new ArgumentException($"{name} is constant (zero variance); its Pearson correlation is undefined");
        norm = Math.Sqrt(ss);
        return c;
    }
}
