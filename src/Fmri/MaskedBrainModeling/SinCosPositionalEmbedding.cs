using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// Fixed 1-D sine-cosine positional embedding (Vaswani et al. 2017, as written in MAE's
/// <c>get_1d_sincos_pos_embed_from_grid</c>, used by MinD-Vis). Notation, for embedding width D and position m:
/// <code>
///   omega_d   = 1 / 10000^(d / (D/2))          d = 0 .. D/2 - 1
///   E[m, d]       = sin(m * omega_d)           first half of the row
///   E[m, D/2 + d] = cos(m * omega_d)           second half of the row
/// </code>
/// Note the halves are concatenated (all sines, then all cosines), not interleaved.
/// </summary>
public static class SinCosPositionalEmbedding
{
    /// <summary>
    /// The (length, embedDim) table for positions 0 .. length - 1, float32; with <paramref name="withClsToken"/>
    /// a zero row is prepended for the CLS token, giving (1 + length, embedDim). Computed in double, as MAE does in numpy.
    /// </summary>
    public static Tensor Create(int embedDim, int length, bool withClsToken)
    {
        if (embedDim <= 0 || embedDim % 2 != 0)
            throw new ArgumentException($"embedDim = {embedDim} must be positive and even", nameof(embedDim));
        if (length <= 0) throw new ArgumentException($"length = {length} must be positive", nameof(length));

        int half = embedDim / 2;
        int rows = length + (withClsToken ? 1 : 0);
        int firstPosition = withClsToken ? 1 : 0;   // row 0 stays zero for the CLS token
        var table = new float[rows * embedDim];
        for (int m = 0; m < length; m++)
        {
            int row = (firstPosition + m) * embedDim;
            for (int d = 0; d < half; d++)
            {
                double omega = 1.0 / Math.Pow(10000.0, d / (double)half);   // omega_d
                double angle = m * omega;
                table[row + d] = (float)Math.Sin(angle);
                table[row + half + d] = (float)Math.Cos(angle);
            }
        }
        return tensor(table, new long[] { rows, embedDim }, ScalarType.Float32);   // (rows, D)
    }
}
