using Fmri.Core.Torch;
using Fmri.Data;
using Fmri.Ridge;
using static TorchSharp.torch;

namespace Fmri.EncodingModels;

/// <summary>
/// An encoding model: the voxels' responses predicted from the image (the forward direction, image -> brain), one
/// ridge map from <see cref="GaborEnergyFeatures"/> of each training stimulus to its voxels, the penalty chosen by
/// k-fold cross-validation on the training samples (every trial of a stimulus in one fold). Fitted on training samples
/// only. <see cref="Predict"/> is differentiable in the image, which is what lets a decoder invert it
/// (the <c>encoding</c> decoding route, <c>Decoding.Decode.Routes.EncodingInversionRoute</c>).
/// </summary>
public sealed class GaborEncodingModel : IEncodingModel
{
    private const int BatchSize = 64;

    private readonly Tensor weights;    // (F, V)
    private readonly Tensor intercept;  // (V)

    private GaborEncodingModel(GaborEnergyFeatures features, RidgeRegression ridge)
    {
        Features = features;
        Lambda = ridge.Lambda;
        HeldOutErrors = ridge.CrossValidation!.BestOutputSquaredErrors;
        VoxelCount = ridge.OutputCount;
        weights = tensor(ridge.Weights.Select(w => (float)w).ToArray(), new long[] { ridge.FeatureCount, ridge.OutputCount });
        intercept = tensor(ridge.Intercept.Select(b => (float)b).ToArray(), new long[] { ridge.OutputCount });
    }

    /// <summary>The image features the voxels are predicted from.</summary>
    public GaborEnergyFeatures Features { get; }

    /// <summary>The cross-validated ridge penalty (on standardised features).</summary>
    public double Lambda { get; }

    public IReadOnlyList<double> HeldOutErrors { get; }

    /// <summary>Voxels predicted.</summary>
    public int VoxelCount { get; }

    /// <summary>Fits the map features -> voxels on <paramref name="train"/> (uint8 images at the decode geometry).</summary>
    /// <param name="random">Assigns the cross-validation folds; pass a seeded generator.</param>
    public static GaborEncodingModel Fit(StimulusPairs train, Random random, int folds = RidgeMap.DefaultFolds)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(random);
        int n = train.Count, size = (int)train.Images.shape[2];
        var features = new GaborEnergyFeatures(size);
        int p = features.FeatureCount;
        var x = new float[(long)n * p];
        using (no_grad())
            for (int start = 0; start < n; start += BatchSize)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(BatchSize, n - start);
                var images = train.Images.narrow(0, start, count).to(ScalarType.Float32).DividedBy(255.0);   // (B, C, S, S) in [0, 1]
                TorchDevice.HostArray<float>(features.Compute(images).contiguous()).CopyTo(x, (long)start * p);
            }
        var ridge = RidgeRegression.FitCrossValidated(x, n, p, train.Voxels, train.VoxelCount, RidgeCrossValidation.DefaultLambdas(n, p), folds, random,
            groups: train.StimulusGroups());

        return new GaborEncodingModel(features, ridge);
    }

    public string Description => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"a Gabor-energy encoding model ({Features.FeatureCount} features: {GaborEnergyFeatures.Orientations} orientations x periods "
        + $"{string.Join("/", Features.Periods.Select(p => p.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)))} px, ridge to {VoxelCount} voxels, "
        + $"lambda {Lambda:G3} by cross-validation on the training samples)");

    /// <summary>Predicted voxels (N, V) of images (N, C, S, S) in [0, 1]; gradients flow to the images.</summary>
    public Tensor Predict(Tensor images) => Features.Compute(images).matmul(weights).add(intercept);

    public void Dispose()
    {
        weights.Dispose();
        intercept.Dispose();
        Features.Dispose();
    }
}
