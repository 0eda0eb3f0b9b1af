using Decoding.Evaluation;
using Fmri.Decoders;

namespace Decoding.Baselines;

/// <summary>
/// The simplest honest decoder: ridge regression from the voxel vector straight to the pixels of the stimulus
/// (H x W x C values in [0, 1]), one linear map, no generative model. Fitted on training samples only, with the
/// penalty chosen by k-fold cross-validation on those samples (<see cref="RidgeRegression.FitCrossValidated"/>);
/// predictions are clipped to [0, 1] so they are valid images for the same metrics as the pipeline.
/// </summary>
public sealed class RidgeImageBaseline
{
    public const int DefaultFolds = 5;

    private readonly RidgeRegression ridge;

    private RidgeImageBaseline(RidgeRegression ridge, int height, int width, int channels)
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

    /// <summary>Fits voxels (n x v, row-major) -> stimulus pixels on training samples.</summary>
    /// <param name="random">Assigns the cross-validation folds; pass a seeded generator.</param>
    public static RidgeImageBaseline Fit(float[] trainVoxels, int voxelCount, IReadOnlyList<ImageTensor> trainImages, Random random, int folds = DefaultFolds)
    {
        ArgumentNullException.ThrowIfNull(trainVoxels);
        ArgumentNullException.ThrowIfNull(trainImages);
        ArgumentNullException.ThrowIfNull(random);
        int n = trainImages.Count;
        if (n < folds) throw new ArgumentException($"ridge baseline: {n} training samples; {folds}-fold cross-validation needs at least {folds}");
        if (voxelCount < 1 || trainVoxels.LongLength != (long)n * voxelCount)
            throw new ArgumentException($"ridge baseline: {trainVoxels.LongLength} voxel values for {n} samples x {voxelCount} voxels");
        var first = trainImages[0];
        int q = first.Pixels.Length;
        var targets = new float[(long)n * q]; // (n, H W C)
        for (int i = 0; i < n; i++)
        {
            if (!trainImages[i].SameShapeAs(first)) throw new ArgumentException($"ridge baseline: training image {i} is {trainImages[i]}, image 0 is {first}");
            trainImages[i].Pixels.CopyTo(targets, (long)i * q);
        }
        var lambdas = RidgeCrossValidation.DefaultLambdas(n, voxelCount);
        var ridge = RidgeRegression.FitCrossValidated(trainVoxels, n, voxelCount, targets, q, lambdas, folds, random);
        return new RidgeImageBaseline(ridge, first.Height, first.Width, first.Channels);
    }

    /// <summary>The predicted image of each row of <paramref name="voxels"/> (m x v), clipped to [0, 1].</summary>
    public IReadOnlyList<ImageTensor> Predict(float[] voxels, int count)
    {
        var predicted = ridge.Predict(voxels, count); // (m, H W C)
        int q = Height * Width * Channels;
        var images = new ImageTensor[count];
        for (int i = 0; i < count; i++)
        {
            var pixels = new float[q];
            for (int p = 0; p < q; p++) pixels[p] = Math.Clamp(predicted[(long)i * q + p], 0f, 1f);
            images[i] = new ImageTensor(Height, Width, Channels, pixels);
        }
        return images;
    }
}
