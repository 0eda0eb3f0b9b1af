namespace Fmri.Data.Preprocessing;

/// <summary>
/// Per-voxel mean and population standard deviation (divisor n) over a set of samples, accumulated in float64 in
/// two passes (mean first, then squared deviations, which is exact for constant voxels).
/// </summary>
public sealed class VoxelStatistics
{
    /// <summary>
    /// A standard deviation at or below this fraction of the mean's magnitude is float32 rounding noise, not signal
    /// (float32 resolves about 6e-8 relative): such a voxel counts as zero-variance.
    /// </summary>
    public const double RelativeZeroVarianceTolerance = 1e-6;

    private VoxelStatistics(double[] mean, double[] standardDeviation, int sampleCount)
    {
        Mean = mean;
        StandardDeviation = standardDeviation;
        SampleCount = sampleCount;
    }

    /// <summary>Mean of each voxel.</summary>
    public double[] Mean { get; }

    /// <summary>Population standard deviation of each voxel.</summary>
    public double[] StandardDeviation { get; }

    /// <summary>Number of samples the statistics were computed from.</summary>
    public int SampleCount { get; }

    /// <summary>Statistics of the rows <paramref name="rows"/> of a row-major (samples, voxelCount) matrix.</summary>
    public static VoxelStatistics Compute(float[] voxels, int voxelCount, IReadOnlyList<int> rows)
    {
        if (rows.Count == 0) throw new ArgumentException("statistics need at least one sample", nameof(rows));
        var mean = new double[voxelCount];
        foreach (int r in rows)
        {
            var row = voxels.AsSpan(r * voxelCount, voxelCount);
            for (int j = 0; j < voxelCount; j++) mean[j] += row[j];
        }
        for (int j = 0; j < voxelCount; j++) mean[j] /= rows.Count;

        var sumSquares = new double[voxelCount];
        foreach (int r in rows)
        {
            var row = voxels.AsSpan(r * voxelCount, voxelCount);
            for (int j = 0; j < voxelCount; j++)
            {
                double d = row[j] - mean[j];
                sumSquares[j] += d * d;
            }
        }
        var std = new double[voxelCount];
        for (int j = 0; j < voxelCount; j++) std[j] = Math.Sqrt(sumSquares[j] / rows.Count);
        return new VoxelStatistics(mean, std, rows.Count);
    }

    /// <summary>
    /// The mean over every row of <paramref name="groups"/> and the within-group standard deviation pooled over the
    /// groups: sqrt(sum_g n_g var_g / sum_g n_g), each group's variance about its own mean. With per-run z-scoring
    /// this is the scale every run was brought to, without the differences between run means (offsets, drift) that
    /// the standard deviation over all rows also holds. A group in which a voxel is constant (see
    /// <see cref="IsZeroVariance"/>) was divided by 1, not scaled, so it is left out of that voxel's pool; a voxel
    /// constant in every group gets standard deviation 0 (it too is then divided by 1).
    /// </summary>
    public static VoxelStatistics PooledWithinGroups(float[] voxels, int voxelCount, IReadOnlyList<IReadOnlyList<int>> groups)
    {
        var all = groups.SelectMany(g => g).ToArray();
        var overall = Compute(voxels, voxelCount, all);
        var sumSquares = new double[voxelCount];
        var pooledRows = new long[voxelCount];
        foreach (var group in groups)
        {
            var within = Compute(voxels, voxelCount, group);
            for (int j = 0; j < voxelCount; j++)
            {
                if (within.IsZeroVariance(j)) continue;
                sumSquares[j] += within.StandardDeviation[j] * within.StandardDeviation[j] * group.Count;
                pooledRows[j] += group.Count;
            }
        }
        var std = new double[voxelCount];
        for (int j = 0; j < voxelCount; j++) std[j] = pooledRows[j] == 0 ? 0 : Math.Sqrt(sumSquares[j] / pooledRows[j]);
        return new VoxelStatistics(overall.Mean, std, all.Length);
    }

    /// <summary>True when voxel <paramref name="j"/> has (numerically) zero variance.</summary>
    public bool IsZeroVariance(int j) => StandardDeviation[j] <= RelativeZeroVarianceTolerance * Math.Abs(Mean[j]);

    /// <summary>The divisor used to z-score voxel <paramref name="j"/>: its standard deviation, or 1 when it has zero variance.</summary>
    public double Divisor(int j) => IsZeroVariance(j) ? 1.0 : StandardDeviation[j];
}
