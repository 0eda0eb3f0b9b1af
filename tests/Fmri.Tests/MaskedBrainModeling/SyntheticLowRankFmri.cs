using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests.MaskedBrainModeling;

/// <summary>
/// Test data with the structure masked brain modeling can exploit: each sample is a random mix of a few smooth
/// spatial patterns plus noise, voxels[n, v] = sum_k z[n, k] * pattern_k(v) + noise * e[n, v], with z, e ~ N(0, 1)
/// and pattern_k(v) = sin(2 pi f_k v / V + phase_k), f_k = k + 1, random phases. A few visible patches pin down
/// the latent factors z, so the hidden patches are predictable. Everything is drawn from one seeded generator.
/// </summary>
internal static class SyntheticLowRankFmri
{
    /// <summary>Row-major (samples x voxels) float matrix.</summary>
    public static float[] Generate(int samples, int voxels, int rank, double noise, ulong seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed);
        var phases = rand(new long[] { rank, 1 }, ScalarType.Float64, generator: generator) * (2 * Math.PI);   // (K, 1)
        var frequencies = arange(1, rank + 1, ScalarType.Float64).unsqueeze(1);                                // (K, 1)
        var position = arange(voxels, ScalarType.Float64).unsqueeze(0) / voxels;                               // (1, V)
        var patterns = (2 * Math.PI * frequencies * position + phases).sin();                                   // (K, V)
        var factors = randn(new long[] { samples, rank }, ScalarType.Float64, generator: generator);            // (N, K)
        var noiseTerm = randn(new long[] { samples, voxels }, ScalarType.Float64, generator: generator) * noise;  // (N, V)
        var data = (factors.matmul(patterns) + noiseTerm).to_type(ScalarType.Float32);                          // (N, V)
        return data.data<float>().ToArray();
    }
}
