namespace Decoding.Tests;

/// <summary>
/// Pairwise (2-way) identification in pixel space (the NSD papers' protocol): for each item i and every other item j,
/// a win when corr(decoded_i, stimulus_i) > corr(decoded_i, stimulus_j); the score is the fraction of wins (chance 0.5).
/// </summary>
internal static class PixelIdentification
{
    public static double TwoWay(IReadOnlyList<float[]> decoded, IReadOnlyList<float[]> stimuli)
    {
        int wins = 0, comparisons = 0;
        for (int i = 0; i < decoded.Count; i++)
        {
            double own = Pearson(decoded[i], stimuli[i]);
            for (int j = 0; j < stimuli.Count; j++)
            {
                if (j == i) continue;
                comparisons++;
                if (own > Pearson(decoded[i], stimuli[j])) wins++;
            }
        }
        return (double)wins / comparisons;
    }

    public static double Pearson(float[] a, float[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int k = 0; k < a.Length; k++)
        {
            double x = a[k] - ma, y = b[k] - mb;
            sab += x * y;
            saa += x * x;
            sbb += y * y;
        }
        return saa == 0 || sbb == 0 ? 0 : sab / Math.Sqrt(saa * sbb);
    }
}
