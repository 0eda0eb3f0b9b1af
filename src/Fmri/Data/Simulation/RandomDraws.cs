namespace Fmri.Data.Simulation;

/// <summary>Continuous draws from an explicit <see cref="Random"/> (the caller seeds it).</summary>
public static class RandomDraws
{
    /// <summary>A standard normal draw (Box-Muller transform of two uniform draws).</summary>
    public static double NextGaussian(this Random random)
    {
        double u1 = 1.0 - random.NextDouble(); // (0, 1]: log is finite
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Fills <paramref name="destination"/> with standard normal draws, using both outputs of each Box-Muller pair.</summary>
    public static void FillGaussian(this Random random, Span<double> destination)
    {
        for (int i = 0; i < destination.Length; i += 2)
        {
            double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble()));
            double angle = 2.0 * Math.PI * random.NextDouble();
            destination[i] = radius * Math.Cos(angle);
            if (i + 1 < destination.Length) destination[i + 1] = radius * Math.Sin(angle);
        }
    }

    /// <summary>A log-normal draw with median <paramref name="median"/> and log standard deviation <paramref name="logSd"/>.</summary>
    public static double NextLogNormal(this Random random, double median, double logSd)
        => median * Math.Exp(logSd * random.NextGaussian());

    /// <summary>A uniform draw in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static double NextUniform(this Random random, double low, double high)
        => low + (high - low) * random.NextDouble();
}
