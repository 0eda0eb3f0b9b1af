using Fmri.Ridge;

namespace Decoding.Decode.Routes;

/// <summary>
/// A linear classifier of the stimulus's category from the voxels: one ridge map to the one-hot training category
/// (penalty by cross-validation on the training samples), whose highest score names the category. The semantic route
/// reads its scores (<see cref="SemanticDecoder"/>); the category form of the low-level latent adds the predicted
/// category's mean latent (<see cref="RidgeLatentMap"/>).
/// </summary>
public sealed class CategoryMap
{
    private readonly RidgeMap map;

    private CategoryMap(RidgeMap map, int[] labels)
    {
        this.map = map;
        Labels = labels;
    }

    /// <summary>The training categories' stimulus-file labels, in ascending order: the order of the one-hot target.</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>The cross-validated penalty.</summary>
    public double Lambda => map.Lambda;

    /// <summary>Fits on training voxels (n x v) with each sample's category label.</summary>
    /// <param name="random">Assigns the cross-validation folds; pass a seeded generator.</param>
    /// <param name="groups">A group per sample kept in one fold (its stimulus); null: every sample its own.</param>
    public static CategoryMap Fit(float[] voxels, int voxelCount, IReadOnlyList<int> categories, Random random, int[]? groups = null,
        int folds = RidgeMap.DefaultFolds)
    {
        ArgumentNullException.ThrowIfNull(categories);
        var labels = categories.Distinct().Order().ToArray();
        var oneHot = categories.Select(c => labels.Select(label => label == c ? 1f : 0f).ToArray()).ToArray();
        return new CategoryMap(RidgeMap.Fit(voxels, voxelCount, oneHot, random, folds, groups: groups), labels);
    }

    /// <summary>Each row's score for each training category (m rows of <see cref="Labels"/>.Count).</summary>
    public IReadOnlyList<float[]> Scores(float[] voxels, int count) => map.Predict(voxels, count);

    /// <summary>Each row's highest-scoring category, as an index into <see cref="Labels"/>.</summary>
    public int[] PredictIndices(float[] voxels, int count) => Scores(voxels, count).Select(ArgMax).ToArray();

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
