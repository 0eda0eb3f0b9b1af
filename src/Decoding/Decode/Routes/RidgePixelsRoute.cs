using Decoding.Metrics;
using Fmri.Data;
using static TorchSharp.torch;

namespace Decoding.Decode.Routes;

/// <summary>
/// The simplest honest decoder, a baseline: one ridge map from the voxels straight to the stimulus pixels
/// (<see cref="RidgeImageMap"/>), fitted on the training split; no generative model. Deterministic (K = 1).
/// </summary>
public sealed class RidgePixelsRoute : IDecodingRoute
{
    public const string Name = "ridge-pixels";

    private readonly RidgeImageMap map;

    private RidgePixelsRoute(RidgeImageMap map, DecodedMethod method)
    {
        this.map = map;
        Method = method;
    }

    public DecodedMethod Method { get; }

    public bool Stochastic => false;

    /// <summary>Fits the map on <paramref name="train"/> (images at the decode geometry) with seeded cross-validation folds.</summary>
    /// <param name="noise">The trial noise, when the samples to decode average several trials (<see cref="RouteNoise"/>).</param>
    public static RidgePixelsRoute Fit(StimulusPairs train, long seed, Fmri.Ridge.TrialNoise? noise = null)
    {
        var images = RouteImages.ToImageTensors(train.Images);
        var map = RidgeImageMap.Fit(train.Voxels, train.VoxelCount, images, new Random(RouteImages.SubSeed(seed, "ridge-pixels-folds")), noise: noise, groups: train.StimulusGroups());
        return new RidgePixelsRoute(map, new DecodedMethod("ridge: voxels -> pixels", DecodedMethod.Baseline, Name, UsesFmri: true, UsesTrueLabel: false,
            ControlOf: null, $"one linear ridge map from {train.VoxelCount} voxels to the {map.Height}x{map.Width}x{map.Channels} stimulus pixels; "
            + $"{train.Count} training samples; lambda {map.Lambda:G3} by {Fmri.Ridge.RidgeMap.DefaultFolds}-fold cross-validation on training samples only{RouteNoise.Describe(map.CrossValidation)}"));
    }

    public Tensor Decode(DecodeBatch batch, int samples)
    {
        var predicted = map.Predict(batch.Voxels, batch.Count);
        return RouteImages.Stack(predicted, samples);
    }
}
