namespace Fmri.Ridge;

/// <summary>
/// A regularised linear map from the voxel vector to a fixed-length target vector per stimulus (pixels, a latent, a
/// conditioning context, a feature vector): ridge regression fitted on training samples only, each voxel
/// standardised with training statistics, the penalty chosen by k-fold cross-validation on those samples
/// (<see cref="RidgeRegression.FitCrossValidated"/>). Predictions are the raw linear outputs.
/// </summary>
public sealed class RidgeMap
{
    /// <summary>Cross-validation folds used unless a caller asks for another number.</summary>
    public const int DefaultFolds = 5;

    private readonly RidgeRegression ridge;

    private RidgeMap(RidgeRegression ridge) => this.ridge = ridge;

    /// <summary>Length of each predicted vector.</summary>
    public int FeatureSize => ridge.OutputCount;

    /// <summary>The cross-validated penalty.</summary>
    public double Lambda => ridge.Lambda;

    /// <summary>The cross-validation that chose <see cref="Lambda"/>.</summary>
    public RidgeCrossValidationResult CrossValidation => ridge.CrossValidation!;

    /// <summary>Fits voxels (n x v, row-major) -> target vectors on training samples.</summary>
    /// <param name="trainTargets">Target vector of each training sample (all the same length).</param>
    /// <param name="random">Assigns the cross-validation folds; pass a seeded generator.</param>
    /// <param name="noise">The trial noise, when the samples to be decoded average several trials (see <see cref="TrialNoise"/>).</param>
    /// <param name="groups">A group per sample kept together in one fold (the stimulus: repeats of one image never sit on
    /// both sides of a fold); null: every sample its own.</param>
    public static RidgeMap Fit(float[] trainVoxels, int voxelCount, IReadOnlyList<float[]> trainTargets, Random random,
        int folds = DefaultFolds, TrialNoise? noise = null, int[]? groups = null)
    {
        ArgumentNullException.ThrowIfNull(trainVoxels);
        ArgumentNullException.ThrowIfNull(trainTargets);
        ArgumentNullException.ThrowIfNull(random);
        int n = trainTargets.Count;
        if (n < folds) throw new ArgumentException($"ridge map: {n} training samples; {folds}-fold cross-validation needs at least {folds}");
        if (voxelCount < 1 || trainVoxels.LongLength != (long)n * voxelCount)
            throw new ArgumentException($"ridge map: {trainVoxels.LongLength} voxel values for {n} samples x {voxelCount} voxels");
        int q = trainTargets[0]?.Length ?? throw new ArgumentException("ridge map: training target 0 is null");
        if (q < 1) throw new ArgumentException("ridge map: training target 0 is empty");
        var targets = new float[(long)n * q]; // (n, q)
        for (int i = 0; i < n; i++)
        {
            var t = trainTargets[i] ?? throw new ArgumentException($"ridge map: training target {i} is null");
            if (t.Length != q) throw new ArgumentException($"ridge map: training target {i} has {t.Length} values, target 0 has {q}");
            t.CopyTo(targets, (long)i * q);
        }
        var lambdas = RidgeCrossValidation.DefaultLambdas(n, voxelCount);
        return new RidgeMap(RidgeRegression.FitCrossValidated(trainVoxels, n, voxelCount, targets, q, lambdas, folds, random, groups: groups, noise: noise));
    }

    /// <summary>The predicted vector of each row of <paramref name="voxels"/> (m x v).</summary>
    public IReadOnlyList<float[]> Predict(float[] voxels, int count)
    {
        var predicted = ridge.Predict(voxels, count); // (m, q)
        int q = FeatureSize;
        return Enumerable.Range(0, count).Select(i => predicted.AsSpan(i * q, q).ToArray()).ToArray();
    }
}
