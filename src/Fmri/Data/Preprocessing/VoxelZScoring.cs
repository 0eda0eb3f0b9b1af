
namespace Fmri.Data.Preprocessing;

/// <summary>What z-scoring did.</summary>
/// <param name="ZeroVarianceVoxels">Voxels with zero variance in at least one set of statistics used; they are centred and divided by 1.</param>
/// <param name="PooledTrainingStatistics">Mean and standard deviation over all training samples (null in mode None).</param>
public sealed record VoxelZScoringResult(
    FmriDataset Dataset,
    int ZeroVarianceVoxels,
    VoxelStatistics? PooledTrainingStatistics,
    ProcessingStep Step)
{
    /// <summary>
    /// The statistics test samples were z-scored with under <see cref="TestRunStatistics.TrainingPooled"/>: in PerRun
    /// mode the training mean and the within-run standard deviation pooled over training runs, in PerSession mode
    /// <see cref="PooledTrainingStatistics"/> (null in mode None).
    /// </summary>
    public VoxelStatistics? TestStatistics { get; init; }
}

/// <summary>
/// Step 5: voxel-wise z-scoring, x' = (x - μ) / σ, with μ and σ (population standard deviation) from TRAINING
/// samples only, never from test samples unless <see cref="TestRunStatistics.OwnRun"/> is chosen explicitly.
/// <list type="bullet">
/// <item><see cref="ZScoreMode.PerRun"/>: each training run by its own training samples' statistics.</item>
/// <item><see cref="ZScoreMode.PerSession"/>: every training sample by the statistics pooled over all training samples.</item>
/// <item><see cref="ZScoreMode.None"/>: nothing.</item>
/// </list>
/// Test samples (Test and TestImagery) are z-scored by training statistics (<see cref="TestRunStatistics.TrainingPooled"/>):
/// the mean over all training samples, and the standard deviation the training samples were divided by: over all of
/// them in PerSession mode, and in PerRun mode the within-run standard deviation pooled over the training runs. (The
/// standard deviation over all training samples would also hold the differences between run means, which per-run
/// z-scoring removes from the training samples; dividing test samples by it would shrink them against the training
/// samples: by a factor of about 0.7 for the demo's simulated subject.) With <see cref="TestRunStatistics.OwnRun"/>,
/// each test run is z-scored by its own test samples' statistics. A zero-variance voxel (see <see cref="VoxelStatistics.IsZeroVariance"/>)
/// is divided by 1 instead of σ.
/// </summary>
public static class VoxelZScoring
{
    /// <exception cref="DataFormatException">There is no training sample to take statistics from (field "split").</exception>
    public static VoxelZScoringResult Apply(FmriDataset dataset, ZScoreMode mode, TestRunStatistics testRule, string file)
    {
        if (mode == ZScoreMode.None)
        {
            return new VoxelZScoringResult(dataset, 0, null,
                ProcessingStep.Of("zscore", ("mode", mode), ("test_statistics", "not applicable (no normalisation)")));
        }

        int v = dataset.VoxelCount;
        int[] trainRows = dataset.IndicesOf(DataSplit.Train);
        if (trainRows.Length == 0)
            throw new DataFormatException(file, "split", "has no training samples; z-scoring takes its statistics from training samples (choose z-score mode None to skip it)");
        int[] testRows = Enumerable.Range(0, dataset.SampleCount).Where(i => dataset.Splits[i] != DataSplit.Train).ToArray();

        var output = new float[dataset.Voxels.Length];
        var zeroVariance = new bool[v];
        var pooled = VoxelStatistics.Compute(dataset.Voxels, v, trainRows);
        var testStatistics = pooled;

        // Training samples.
        if (mode == ZScoreMode.PerRun)
        {
            var runs = SampleGroups.ByRunAndSplit(dataset, s => s == DataSplit.Train).Select(run => run.Rows).ToArray();
            foreach (var rows in runs)
                Normalise(dataset.Voxels, output, v, rows, VoxelStatistics.Compute(dataset.Voxels, v, rows), zeroVariance);
            testStatistics = VoxelStatistics.PooledWithinGroups(dataset.Voxels, v, runs);
        }
        else
        {
            Normalise(dataset.Voxels, output, v, trainRows, pooled, zeroVariance);
        }

        // Test samples.
        if (testRows.Length > 0)
        {
            if (testRule == TestRunStatistics.OwnRun)
            {
                foreach (var run in SampleGroups.ByRunAndSplit(dataset, s => s != DataSplit.Train))
                    Normalise(dataset.Voxels, output, v, run.Rows, VoxelStatistics.Compute(dataset.Voxels, v, run.Rows), zeroVariance);
            }
            else
            {
                Normalise(dataset.Voxels, output, v, testRows, testStatistics, zeroVariance);
            }
        }

        int zeroVarianceCount = zeroVariance.Count(z => z);
        var step = ProcessingStep.Of("zscore",
            ("mode", mode),
            ("training_statistics", mode == ZScoreMode.PerRun ? "each training run by its own training samples" : "all training samples pooled"),
            ("test_statistics", testRule == TestRunStatistics.TrainingPooled && mode == ZScoreMode.PerRun
                ? "TrainingPooled: test samples use the mean over all training samples and the within-run standard deviation pooled over the training runs"
                : Describe(testRule)),
            ("standard_deviation", "population (divisor n), float64 accumulators"),
            ("zero_variance_voxels_divided_by_1", zeroVarianceCount));
        return new VoxelZScoringResult(dataset with { Voxels = output }, zeroVarianceCount, pooled, step) { TestStatistics = testStatistics };
    }

    /// <summary>The test rule in words, for provenance and the report.</summary>
    public static string Describe(TestRunStatistics testRule) => testRule switch
    {
        TestRunStatistics.TrainingPooled => "TrainingPooled: test samples use the statistics of the training samples",
        TestRunStatistics.OwnRun => "OwnRun: each test run uses its own test samples' statistics (transductive, unsupervised)",
        _ => throw new ArgumentOutOfRangeException(nameof(testRule), testRule, "unknown test statistics rule"),
    };

    private static void Normalise(float[] input, float[] output, int v, IReadOnlyList<int> rows, VoxelStatistics stats, bool[] zeroVariance)
    {
        var mean = stats.Mean;
        var inverseDivisor = new double[v];
        for (int j = 0; j < v; j++)
        {
            if (stats.IsZeroVariance(j)) zeroVariance[j] = true;
            inverseDivisor[j] = 1.0 / stats.Divisor(j);
        }
        foreach (int r in rows)
        {
            var source = input.AsSpan(r * v, v);
            var target = output.AsSpan(r * v, v);
            for (int j = 0; j < v; j++) target[j] = (float)((source[j] - mean[j]) * inverseDivisor[j]);
        }
    }
}
