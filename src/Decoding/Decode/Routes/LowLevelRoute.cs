using Decoding.LatentDiffusion;
using Fmri.Data;
using static TorchSharp.torch;

namespace Decoding.Decode.Routes;

/// <summary>What the low-level latent map knows besides the voxels (<see cref="RidgeLatentMap"/>).</summary>
public enum LowLevelPrior
{
    /// <summary>One ridge map of the whole latent.</summary>
    None,

    /// <summary>The predicted training category's mean latent plus a ridge map of the rest (test stimuli from the training categories).</summary>
    Category,
}

/// <summary>
/// The low-level route (Takagi &amp; Nishimoto 2023's z; MindEye's low-level branch): one ridge map from the voxels to
/// the generative model's own latent space, the frozen VAE's posterior mean latent of the stimulus
/// (<see cref="RidgeLatentMap"/>), decoded by that VAE. Deterministic (K = 1). Its latent is also the start point of
/// the image-to-image route.
/// </summary>
public sealed class LowLevelRoute : IDecodingRoute
{
    public const string Name = "lowlevel";

    private LowLevelRoute(RidgeLatentMap map, DecodedMethod method)
    {
        Map = map;
        Method = method;
    }

    /// <summary>The fitted ridge map voxels -> VAE latent.</summary>
    public RidgeLatentMap Map { get; }

    public DecodedMethod Method { get; }

    public bool Stochastic => false;

    /// <summary>Fits the map on <paramref name="train"/> (stimulus images at the VAE's geometry).</summary>
    /// <param name="noise">The trial noise, when the samples to decode average several trials (<see cref="RouteNoise"/>).</param>
    /// <param name="prior">With <see cref="LowLevelPrior.Category"/>, the latent is the predicted training category's mean
    /// latent plus a ridge map of the rest (see <see cref="RidgeLatentMap"/>).</param>
    public static LowLevelRoute Fit(StimulusPairs train, FirstStage vae, long seed, Fmri.Ridge.TrialNoise? noise = null, LowLevelPrior prior = LowLevelPrior.None)
    {
        var map = RidgeLatentMap.Fit(train.Voxels, train.VoxelCount, train.Images, vae, new Random(RouteImages.SubSeed(seed, "lowlevel-folds")), noise: noise,
            groups: train.StimulusGroups(), categories: prior == LowLevelPrior.Category ? train.Categories : null);
        string what = prior == LowLevelPrior.Category
            ? $"the VAE posterior mean latent ({string.Join("x", map.LatentShape)}) of the {map.ImageSize}x{map.ImageSize}x{map.ImageChannels} stimulus as "
              + $"the mean training latent of the category a ridge map from the voxels predicts (lambda {map.CategoryLambda:G3}) plus one linear ridge map "
              + $"from {train.VoxelCount} voxels to the rest"
            : $"one linear ridge map from {train.VoxelCount} voxels to the VAE posterior mean latent ({string.Join("x", map.LatentShape)}) of the "
              + $"{map.ImageSize}x{map.ImageSize}x{map.ImageChannels} stimulus";
        return new LowLevelRoute(map, new DecodedMethod("ridge: voxels -> VAE latent (low-level route)", DecodedMethod.Route, Name,
            UsesFmri: true, UsesTrueLabel: false, ControlOf: null,
            $"{what}, decoded by the frozen VAE; {train.Count} training samples; "
            + $"lambda {map.Lambda:G3} by {Fmri.Ridge.RidgeMap.DefaultFolds}-fold cross-validation on training samples only{RouteNoise.Describe(map.CrossValidation)}"));
    }

    public Tensor Decode(DecodeBatch batch, int samples)
    {
        using var latents = Map.PredictLatents(batch.Voxels, batch.Count);   // (N, C_z, h, w)
        using var images = Map.DecodeLatents(latents);                      // (N, C, S, S)
        return images.unsqueeze(1).expand(batch.Count, samples, images.shape[1], images.shape[2], images.shape[3]).contiguous();
    }
}
