using Fmri.Ridge;
using Decoding.Metrics;

namespace Decoding.Decode.Routes;

/// <summary>
/// The simplest honest decoder: ridge regression from the voxel vector straight to the pixels of the stimulus
/// (H x W x C values in [0, 1]), one linear map, no generative model. Fitted on training samples only, with the
/// penalty chosen by k-fold cross-validation on those samples (<see cref="RidgeRegression.FitCrossValidated"/>);
/// predictions are clipped to [0, 1] so they are valid images for the same metrics as the pipeline.
/// </summary>
public sealed class RidgeImageMap
{
    private readonly RidgeMap ridge;

    private RidgeImageMap(RidgeMap ridge, int height, int width, int channels)
    {
        this.ridge = ridge;
        Height = height;
        Width = width;
        Channels = channels;
    }

    public int Height { get; }
    public int Width { get; }
    public int Channels { get; }

    /// <summary>The cross-validated penalty.</summary>
    public double Lambda => ridge.Lambda;

    /// <summary>The cross-validation that chose <see cref="Lambda"/>.</summary>
    public RidgeCrossValidationResult CrossValidation => ridge.CrossValidation;

    /// <summary>Fits voxels (n x v, row-major) -> stimulus pixels on training samples (a <see cref="RidgeMap"/> whose targets are the pixels).</summary>
    /// <param name="random">Assigns the cross-validation folds; pass a seeded generator.</param>
    /// <param name="noise">The trial noise, when the samples to decode average several trials (see <see cref="TrialNoise"/>).</param>
    public static RidgeImageMap Fit(float[] trainVoxels, int voxelCount, IReadOnlyList<ImageTensor> trainImages, Random random, int folds = RidgeMap.DefaultFolds,
        TrialNoise? noise = null, int[]? groups = null)
    {
        ArgumentNullException.ThrowIfNull(trainImages);
        if (trainImages.Count == 0) throw new ArgumentException("ridge baseline: no training images");
        var first = trainImages[0];
        for (int i = 0; i < trainImages.Count; i++)
            if (!trainImages[i].SameShapeAs(first)) throw new ArgumentException($"ridge baseline: training image {i} is {trainImages[i]}, image 0 is {first}");
        var ridge = RidgeMap.Fit(trainVoxels, voxelCount, trainImages.Select(image => image.Pixels).ToArray(), random, folds, noise, groups);
        return new RidgeImageMap(ridge, first.Height, first.Width, first.Channels);
    }

    /// <summary>The predicted image of each row of <paramref name="voxels"/> (m x v), clipped to [0, 1].</summary>
    public IReadOnlyList<ImageTensor> Predict(float[] voxels, int count)
        => ridge.Predict(voxels, count)
            .Select(pixels => new ImageTensor(Height, Width, Channels, Array.ConvertAll(pixels, p => Math.Clamp(p, 0f, 1f))))
            .ToArray();
}
