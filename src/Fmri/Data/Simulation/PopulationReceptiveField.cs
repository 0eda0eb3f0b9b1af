using MathNet.Numerics;

namespace Fmri.Data.Simulation;

/// <summary>
/// The pixel weights of an isotropic 2-D Gaussian population receptive field (Dumoulin &amp; Wandell 2008) on an
/// image grid: each pixel gets the Gaussian's integral over the pixel's square (exact even for pRFs smaller than a
/// pixel), so the weights of a pRF well inside the image sum to 1 and the parts outside the image are lost.
/// Pixels beyond 3.5 sigma are dropped (their share is below 0.05%).
/// </summary>
public static class PopulationReceptiveField
{
    /// <summary>
    /// Pixels (row-major index) and weights of a pRF centred at (<paramref name="column"/>, <paramref name="row"/>) in
    /// continuous pixel coordinates (pixel c spans [c, c + 1]) with size <paramref name="sigma"/> pixels.
    /// </summary>
    public static (int[] Pixels, float[] Weights) PixelWeights(double column, double row, double sigma, int resolution)
    {
        if (!(sigma > 0)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "pRF size must be > 0");
        int c0 = Math.Max(0, (int)Math.Floor(column - 3.5 * sigma)), c1 = Math.Min(resolution - 1, (int)Math.Floor(column + 3.5 * sigma));
        int r0 = Math.Max(0, (int)Math.Floor(row - 3.5 * sigma)), r1 = Math.Min(resolution - 1, (int)Math.Floor(row + 3.5 * sigma));
        if (c1 < c0 || r1 < r0) return ([], []);
        var wx = Integrals(column, sigma, c0, c1);
        var wy = Integrals(row, sigma, r0, r1);
        var pixels = new List<int>((c1 - c0 + 1) * (r1 - r0 + 1));
        var weights = new List<float>(pixels.Capacity);
        for (int r = r0; r <= r1; r++)
        {
            for (int c = c0; c <= c1; c++)
            {
                double w = wy[r - r0] * wx[c - c0];
                if (w < 1e-7) continue;
                pixels.Add(r * resolution + c);
                weights.Add((float)w);
            }
        }
        return ([.. pixels], [.. weights]);
    }

    /// <summary>Integral of the 1-D Gaussian (centre, sigma) over [i, i + 1] for i = from..to.</summary>
    private static double[] Integrals(double centre, double sigma, int from, int to)
    {
        var result = new double[to - from + 1];
        for (int i = from; i <= to; i++)
            result[i - from] = NormalCdf((i + 1 - centre) / sigma) - NormalCdf((i - centre) / sigma);
        return result;
    }

    private static double NormalCdf(double z) => 0.5 * SpecialFunctions.Erfc(-z / Math.Sqrt(2));
}
