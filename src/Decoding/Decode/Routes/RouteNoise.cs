using Fmri.Data;
using Fmri.Ridge;

namespace Decoding.Decode.Routes;

/// <summary>
/// The trial noise the ridge maps of the routes correct their penalty for when the samples to decode average
/// several trials (<see cref="TrialNoise"/>): estimated on the training pairs only, by an encoding model from each
/// training stimulus's pixels (at the decode geometry, in [0, 1]) to the voxels.
/// </summary>
public static class RouteNoise
{
    /// <summary>The estimate for samples averaging <paramref name="repeats"/> trials; null for single trials (nothing to correct).</summary>
    public static TrialNoise? For(StimulusPairs train, double repeats, long seed)
    {
        if (repeats <= 1) return null;
        var pixels = Array.ConvertAll(train.Images.contiguous().data<byte>().ToArray(), b => b / 255f);   // (n, C S S)
        int k = pixels.Length / train.Count;
        return TrialNoise.Estimate(train.Voxels, train.Count, train.VoxelCount, pixels, k, repeats, new Random(RouteImages.SubSeed(seed, "trial-noise-folds")));
    }

    /// <summary>The clause a route's method description adds when its penalty was corrected, else "".</summary>
    public static string Describe(Fmri.Ridge.RidgeCrossValidationResult? crossValidation)
        => crossValidation?.Noise is { } noise
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $", scored for samples averaging {noise.Repeats:G3} trials (single-trial noise share estimated on training samples by a pixel encoding model: {noise.MeanFraction:F2})")
            : "";
}
