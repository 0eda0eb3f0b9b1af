using Fmri.Data;
using Fmri.Core.Torch;
using Fmri.Ridge;

namespace Decoding.Decode.Routes;

/// <summary>
/// The trial noise the ridge maps of the routes correct their penalty for when the samples to decode average more
/// trials than the training samples (<see cref="TrialNoise"/>): estimated on the training pairs only, by an encoding
/// model from each training stimulus's pixels (in [0, 1], averaged down to at most
/// <see cref="MaxEncodingSide"/> a side so that large stimuli stay cheap) to the voxels.
/// </summary>
public static class RouteNoise
{
    /// <summary>Largest side of the images the encoding model reads.</summary>
    public const int MaxEncodingSide = 32;

    /// <summary>The estimate for samples averaging <paramref name="repeats"/> trials; null when no training sample averages fewer (nothing to correct).</summary>
    public static TrialNoise? For(StimulusPairs train, double repeats, long seed)
    {
        var trainingRepeats = train.RepeatCounts ?? Enumerable.Repeat(1, train.Count).ToArray();
        if (trainingRepeats.All(r => r >= repeats)) return null;
        float[] pixels;
        using (var scope = TorchSharp.torch.NewDisposeScope())
        {
            var images = train.Images.to(TorchSharp.torch.ScalarType.Float32).DividedBy(255.0);                       // (n, C, S, S) in [0, 1]
            long side = Math.Min(images.shape[2], MaxEncodingSide);
            if (side < images.shape[2]) images = TorchSharp.torch.nn.functional.adaptive_avg_pool2d(images, [side, side]);
            pixels = images.contiguous().data<float>().ToArray();                                                     // (n, C s s)
        }
        int k = pixels.Length / train.Count;
        return TrialNoise.Estimate(train.Voxels, train.Count, train.VoxelCount, pixels, k, repeats,
            new Random(RouteImages.SubSeed(seed, "trial-noise-folds")), trainingRepeats: trainingRepeats, groups: train.StimulusGroups());
    }

    /// <summary>The clause a route's method description adds when its penalty was corrected, else "".</summary>
    public static string Describe(Fmri.Ridge.RidgeCrossValidationResult? crossValidation)
        => crossValidation?.Noise is { } noise
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $", scored for samples averaging {noise.Repeats:G3} trials (single-trial noise share estimated on training samples by a pixel encoding model: {noise.MeanFraction:F2})")
            : "";
}
